// Given flags (+ --cli-input-json) → the request object of the command's RPC, then validated
// against the request message. Pure apart from the injected readFile (for file:// values).
import { ParamError, ParamValidationError } from '../errors.js';
import { parseJson, resolveParamFile, unpackValue, type ReadFile } from './param-values.js';
import { withRequired, type StructureShape } from '../schema/shapes.js';
import { validateParams } from '../schema/validate.js';
import type { CommandSpec } from '../commands/table.js';
import type { GivenFlag } from './argv.js';
import { isPlainObject, pyTypeName } from '../output/py.js';

export interface RequestInputs {
  readonly flags: readonly GivenFlag[];
  readonly cliInputJson?: string;
  readonly readFile: ReadFile;
  readonly env: Record<string, string | undefined>;
}

/** The request's shape with the command's required flags marked required (botocore's `required`). */
export function requestShape(command: CommandSpec, message: StructureShape): StructureShape {
  return withRequired(
    message,
    command.flags.filter((f) => f.required).map((f) => f.field),
  );
}

export async function buildRequest(shape: StructureShape, inputs: RequestInputs): Promise<Record<string, unknown>> {
  const request: Record<string, unknown> = {};
  for (const { spec, value } of inputs.flags) {
    if (spec.local) continue;
    if (typeof value === 'boolean') {
      request[spec.field] = value;
      continue;
    }
    const fieldShape = shape.members.get(spec.field);
    if (!fieldShape) throw new Error(`command table: ${spec.flag} sets ${spec.field}, not a field of ${shape.name}`);
    const words: string[] = [];
    for (const w of value) words.push(await resolveParamFile(spec.flag, w, inputs.readFile, inputs.env));
    request[spec.field] = unpackValue(spec.flag, words, fieldShape);
  }
  if (inputs.cliInputJson !== undefined) {
    const text = await resolveParamFile('--cli-input-json', inputs.cliInputJson, inputs.readFile, inputs.env);
    const input = parseJson('--cli-input-json', text);
    if (!isPlainObject(input)) {
      throw new ParamError('--cli-input-json', `Invalid type: expecting map, received ${pyTypeName(input)}`);
    }
    // Explicit flags win over the JSON's keys, as in the AWS CLI.
    for (const [key, v] of Object.entries(input)) if (!(key in request)) request[key] = v;
  }
  return request;
}

export function validateRequest(request: unknown, shape: StructureShape): void {
  const report = validateParams(request, shape);
  if (report.length) throw new ParamValidationError(report.join('\n'));
}
