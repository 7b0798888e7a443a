/** An environment variable of the demo has an unusable value. The message names the variable and what to set. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
}
