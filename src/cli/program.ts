/** The `tfjs-flows` command: its subcommands and how it reports errors. */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerDemo } from './demo.js';
import { EXIT_HELP } from './errors.js';
import { registerFit } from './fit.js';
import { registerInfo } from './info.js';
import { registerLogProb } from './logprob.js';
import { registerSample } from './sample.js';

/** A fresh `tfjs-flows` program that throws instead of exiting (main decides the exit code). */
export function buildProgram(): Command {
  const program = new Command('tfjs-flows')
    .description('Normalizing flows for TensorFlow.js from the shell: fit a density to a CSV file, sample it, evaluate it.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tfjs-flows demo\n' +
        '  tfjs-flows fit data.csv --flow nsf --steps 2000 --out model\n' +
        '  tfjs-flows sample model -n 1000 --seed 1 --out samples.csv\n' +
        '  tfjs-flows logprob model data.csv --out logp.csv\n' +
        '  zcat big.csv.gz | tfjs-flows logprob model - > logp.csv\n' +
        '  tfjs-flows fit huge.csv --stream --epochs 2 --out model --force\n' +
        '  tfjs-flows info model\n' +
        '\nData: "-" means standard input wherever a CSV file is read. The delimiter (, ; or tab) and a header line are detected; ' +
        '--delimiter and --header / --no-header override them. logprob and sample stream their rows in chunks (flat memory).\n' +
        `\n${EXIT_HELP}\n` +
        '\nEnvironment: TFJS_FLOWS_BACKEND=tensorflow|wasm|cpu picks the TF.js backend.',
    );
  registerFit(program);
  registerSample(program);
  registerLogProb(program);
  registerInfo(program);
  registerDemo(program);
  return program;
}
