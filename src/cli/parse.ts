/**
 * Parsers for option arguments. Each throws commander's `InvalidArgumentError`, which commander
 * turns into a one-line `error: option '--steps <n>' argument 'abc' is invalid. <reason>`.
 */
import { InvalidArgumentError } from 'commander';

/** An integer ≥ `min` written in decimal. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer ≥ ${min}.`);
    return n;
  };
}

/** A finite number > 0. */
export function positiveNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('Expected a finite number > 0.');
  return x;
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError('Expected a finite number ≥ 0.');
  return x;
}

/** A fraction in [0, 1). */
export function fraction(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x >= 1) throw new InvalidArgumentError('Expected a fraction in [0, 1).');
  return x;
}

/** Comma-separated integers ≥ 1, e.g. `64,64`. */
export function sizes(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (parts.some((s) => s === '') || n.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new InvalidArgumentError('Expected comma-separated integers ≥ 1, e.g. 64,64.');
  }
  return n;
}

/** Comma-separated finite numbers, e.g. `0.5,-1`. */
export function numbers(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (parts.some((s) => s === '') || n.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError('Expected comma-separated finite numbers, e.g. 0.5,-1.');
  return n;
}

/** Comma-separated column names or 0-based indices, e.g. `x,y` or `0,2`. */
export function columnList(value: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new InvalidArgumentError('Expected comma-separated column names or 0-based indices, e.g. x,y or 0,2.');
  return parts;
}

/** A seed: an integer, or any other text (seeds a string-seeded generator). */
export function seed(value: string): number | string {
  const n = Number(value);
  if (value.trim() === '') throw new InvalidArgumentError('Expected an integer or a non-empty string.');
  return Number.isSafeInteger(n) ? n : value;
}

/** A field delimiter: one character, or `tab` (also `\t` as typed). */
export function delimiter(value: string): string {
  if (value === 'tab' || value === '\\t' || value === '\t') return '\t';
  if ([...value].length !== 1 || value === '"' || value === '\n' || value === '\r') throw new InvalidArgumentError("Expected one character (not a quote or a newline), or 'tab'.");
  return value;
}
