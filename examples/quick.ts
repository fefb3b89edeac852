/** `--quick` (or TFJS_FLOWS_QUICK=1): the small step counts CI runs the examples with. */
export const QUICK = process.argv.includes('--quick') || process.env.TFJS_FLOWS_QUICK === '1';

/** `full` normally, `quick` with `--quick`. */
export const pick = <T>(full: T, quick: T): T => (QUICK ? quick : full);
