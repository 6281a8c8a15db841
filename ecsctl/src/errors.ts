// The errors ecsctl reports, each with the text and exit code the AWS CLI (v2) uses for the same
// situation. Exit codes: 252 bad command line / parameters, 254 the service returned an error,
// 255 anything else (cannot connect, read timeout).

export const EXIT_OK = 0;
export const EXIT_PARAM = 252;
export const EXIT_SERVICE = 254;
export const EXIT_GENERIC = 255;

/** Base class: `render()` is exactly what goes to stderr. */
export abstract class CliError extends Error {
  abstract readonly exitCode: number;
  render(): string {
    return `\n${this.message}\n`;
  }
}

/** A flag's value could not be read (bad JSON, bad shorthand, missing file): "Error parsing parameter". */
export class ParamError extends CliError {
  readonly exitCode = EXIT_PARAM;
  constructor(readonly cliName: string, readonly detail: string) {
    super(`Error parsing parameter '${cliName}': ${detail}`);
  }
}

/** The request failed validation against the request message (botocore's ParamValidationError). */
export class ParamValidationError extends CliError {
  readonly exitCode = EXIT_PARAM;
  constructor(readonly report: string) {
    super(`Parameter validation failed:\n${report}`);
  }
}

/** argparse-style usage errors ("the following arguments are required: --task-definition"). */
export class UsageError extends CliError {
  readonly exitCode = EXIT_PARAM;
  constructor(detail: string) {
    super(detail);
  }
  override render(): string {
    return `${USAGE}ecsctl: error: ${this.message}\n`;
  }
}

/** Other bad input found before any call (e.g. an invalid --query), printed like the AWS CLI does. */
export class BadValueError extends CliError {
  readonly exitCode = EXIT_PARAM;
}

/** The server answered with an ECS exception. */
export class ServiceError extends CliError {
  readonly exitCode = EXIT_SERVICE;
  constructor(readonly code: string, readonly operation: string, readonly serverMessage: string) {
    super(`An error occurred (${code}) when calling the ${operation} operation: ${serverMessage || 'Unknown'}`);
  }
}

/** No connection could be made to the control plane. */
export class ConnectError extends CliError {
  readonly exitCode = EXIT_GENERIC;
  constructor(readonly endpoint: string) {
    super(`Could not connect to the endpoint URL: "${endpoint}"`);
  }
}

/** Connected, but the answer did not come back within --cli-read-timeout. */
export class ReadTimeoutError extends CliError {
  readonly exitCode = EXIT_GENERIC;
  constructor(readonly endpoint: string) {
    super(`Read timeout on endpoint URL: "${endpoint}"`);
  }
}

export const USAGE = [
  'usage: ecsctl [options] <command> [parameters]',
  'To see help text, you can run:',
  '',
  '  ecsctl help',
  '  ecsctl <command> help',
  '',
  '',
].join('\n');
