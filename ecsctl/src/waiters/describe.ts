// A waiter's help description, built from its definition as the AWS CLI's WaiterStateDocBuilder
// builds it: "Wait until JMESPath query <argument> returns <expected> [for all elements ]when polling
// with ``describe-services``. It will poll every 15 seconds ... after 120 failed checks."
import { pyStr } from '../output/py.js';
import { kebabName, type Acceptor, type WaiterSpec } from './table.js';

const SUCCESS_TEMPLATES: Record<Acceptor['matcher'], string> = {
  error: '%s is thrown ',
  path: '%s ',
  pathAll: '%s for all elements ',
  pathAny: '%s for any element ',
};

function successDescription(a: Acceptor): string {
  const prefix = a.matcher === 'error' ? '' : `JMESPath query ${a.argument} returns `;
  return prefix + SUCCESS_TEMPLATES[a.matcher].replace('%s', pyStr(a.expected));
}

export function waiterDescription(w: WaiterSpec): string {
  let description = w.description;
  if (!description) {
    const success = w.acceptors.find((a) => a.state === 'success');
    description = `Wait until ${success ? successDescription(success) : ''}when polling with \`\`${kebabName(w.operation)}\`\`.`;
  }
  return (
    `${description} It will poll every ${w.delay} seconds until a successful state has been reached. ` +
    `This will exit with a return code of 255 after ${w.maxAttempts} failed checks.`
  );
}
