// common/log-options.ts: Docker's size syntax, what a logConfiguration means (routed or passed to Docker),
// the awsfirelens option errors (each naming its field), the capability attribute a log driver requires,
// and the agent's start-time refusal of a driver not in ECS_AVAILABLE_LOGGING_DRIVERS. Table-driven.
import t from 'tap';
import {
  FIRELENS_DRIVER,
  LogOptionError,
  logDriverRefusal,
  logHandling,
  parseSize,
  requiredLogDriverAttribute,
  type LogHandling,
} from '../../../common/log-options.js';

const K = 1024;
const M = 1024 * K;
const G = 1024 * M;

t.test('parseSize accepts what docker/go-units RAMInBytes accepts', async (t) => {
  const table: [string, number][] = [
    ['1048576', 1048576],
    ['1', 1],
    ['512k', 512 * K],
    ['512K', 512 * K],
    ['512kb', 512 * K],
    ['512KB', 512 * K],
    ['512KiB', 512 * K],
    ['10m', 10 * M],
    ['10M', 10 * M],
    ['10mb', 10 * M],
    ['10MB', 10 * M],
    ['10 m', 10 * M],
    ['1g', G],
    ['1gb', G],
    ['1GB', G],
    ['1.5g', 1.5 * G],
    ['100b', 100],
    ['10 ', 10],
    ['2t', 2 * 1024 * G],
  ];
  for (const [s, want] of table) t.equal(parseSize(s), want, s);
});

t.test('parseSize refuses anything else, and sizes <= 0', async (t) => {
  for (const s of ['', ' ', 'abc', '10q', '10mm', '-1', '-10m', '1e6', 'm', ' 10', '0x10', '0', '0k', '0.1', '1.2.3m', '10m10', '99999999999p']) {
    t.throws(() => parseSize(s), { message: /invalid size/ }, JSON.stringify(s));
  }
});

t.test('no logConfiguration: routed to the on-disk store', async (t) => {
  t.same(logHandling(undefined), { kind: 'routed', config: { output: 'file' } });
});

t.test('awsfirelens: routed, options parsed', async (t) => {
  const fl = (options: Record<string, string>) => logHandling({ logDriver: FIRELENS_DRIVER, options });
  const table: [string, Record<string, string>, LogHandling][] = [
    ['file, no options', { Name: 'file' }, { kind: 'routed', config: { output: 'file' } }],
    ['no options at all: the store (ECS accepts awsfirelens without options)', {}, { kind: 'routed', config: { output: 'file' } }],
    ['Name value case-insensitive', { Name: 'FILE' }, { kind: 'routed', config: { output: 'file' } }],
    ['Name key case-insensitive', { name: 'stdout' }, { kind: 'routed', config: { output: 'stdout' } }],
    [
      'file with rotation and filters',
      { Name: 'file', 'max-size': '10m', 'max-file': '3', 'include-pattern': '^ERROR', 'exclude-pattern': 'health' },
      { kind: 'routed', config: { output: 'file', maxSizeBytes: 10 * M, maxFiles: 3, include: '^ERROR', exclude: 'health' } },
    ],
    ['max-file bounds', { Name: 'file', 'max-file': '100' }, { kind: 'routed', config: { output: 'file', maxFiles: 100 } }],
    [
      'forward defaults',
      { Name: 'forward', Host: 'fluent' },
      { kind: 'routed', config: { output: 'forward', forward: { host: 'fluent', port: 24224, requireAck: false } } },
    ],
    [
      'forward full, keys in any case',
      { name: 'forward', host: '10.0.0.1', PORT: '24225', tag: 'app.logs', require_ack_response: 'On' },
      { kind: 'routed', config: { output: 'forward', forward: { host: '10.0.0.1', port: 24225, tag: 'app.logs', requireAck: true } } },
    ],
    [
      'http defaults',
      { Name: 'http', Host: 'collector' },
      { kind: 'routed', config: { output: 'http', http: { host: 'collector', port: 80, uri: '/', tls: false, headers: {} } } },
    ],
    [
      'http with tls defaults to 443',
      { Name: 'http', Host: 'collector', tls: 'on' },
      { kind: 'routed', config: { output: 'http', http: { host: 'collector', port: 443, uri: '/', tls: true, headers: {} } } },
    ],
    [
      'http full',
      { Name: 'http', Host: 'collector', Port: '8080', URI: '/ingest', TLS: 'false', Header: 'X-Key  abc def', 'exclude-pattern': 'x' },
      {
        kind: 'routed',
        config: { output: 'http', exclude: 'x', http: { host: 'collector', port: 8080, uri: '/ingest', tls: false, headers: { 'X-Key': 'abc def' } } },
      },
    ],
    ['stdout with a filter', { Name: 'stdout', 'include-pattern': '' }, { kind: 'routed', config: { output: 'stdout', include: '' } }],
  ];
  for (const [name, options, want] of table) t.same(fl(options), want, name);
});

t.test('any other driver: passed to Docker with its options (a copy)', async (t) => {
  const options = { 'max-size': '5m' };
  const h = logHandling({ logDriver: 'json-file', options });
  t.same(h, { kind: 'docker', driver: 'json-file', options: { 'max-size': '5m' } });
  t.not((h as { options: unknown }).options, options);
  t.same(logHandling({ logDriver: 'syslog', options: {} }), { kind: 'docker', driver: 'syslog', options: {} });
  t.same(logHandling({ logDriver: 'none', options: {} }), { kind: 'docker', driver: 'none', options: {} });
});

t.test('awsfirelens option errors name the field', async (t) => {
  const table: [string, Record<string, string>, string, RegExp][] = [
    ['empty Name', { Name: ' ' }, 'options.Name', /must not be empty: the output, one of file, forward, http, stdout/],
    ['no Name means file, so file options only', { Host: 'x' }, 'options.Host', /not an option of output 'file'/],
    ['unknown Name', { Name: 'cloudwatch' }, 'options.Name', /unknown output 'cloudwatch'; allowed: file, forward, http, stdout/],
    ['unknown Name, key as written', { name: 'kafka' }, 'options.name', /unknown output 'kafka'/],
    ['Name twice', { Name: 'file', name: 'file' }, 'options.name', /more than once/],
    [
      'unknown key for file',
      { Name: 'file', Host: 'x' },
      'options.Host',
      /not an option of output 'file'; allowed: Name, include-pattern, exclude-pattern, max-size, max-file/,
    ],
    ['unknown key for stdout', { Name: 'stdout', 'max-size': '1m' }, 'options.max-size', /allowed: Name, include-pattern, exclude-pattern$/],
    ['FireLens keys are exact', { Name: 'file', 'Include-Pattern': 'x' }, 'options.Include-Pattern', /not an option/],
    ['forward takes no URI', { Name: 'forward', Host: 'h', URI: '/' }, 'options.URI', /allowed: Name, include-pattern, exclude-pattern, Host, Port, Tag, Require_ack_response/],
    ['http takes no Tag', { Name: 'http', Host: 'h', Tag: 't' }, 'options.Tag', /allowed: Name, include-pattern, exclude-pattern, Host, Port, URI, tls, Header/],
    ['key twice in two cases', { Name: 'forward', Host: 'a', host: 'b' }, 'options.host', /more than once/],
    ['bad include regex', { Name: 'file', 'include-pattern': '(' }, 'options.include-pattern', /^Invalid regular expression: \/\(\/: Unterminated group$/],
    ['bad exclude regex', { Name: 'stdout', 'exclude-pattern': '[a-' }, 'options.exclude-pattern', /Invalid regular expression/],
    ['bad max-size', { Name: 'file', 'max-size': '10q' }, 'options.max-size', /invalid size: '10q'/],
    ['zero max-size', { Name: 'file', 'max-size': '0' }, 'options.max-size', /greater than 0/],
    ['max-file 0', { Name: 'file', 'max-file': '0' }, 'options.max-file', /from 1 to 100; got '0'/],
    ['max-file 101', { Name: 'file', 'max-file': '101' }, 'options.max-file', /from 1 to 100/],
    ['max-file not a number', { Name: 'file', 'max-file': '3x' }, 'options.max-file', /from 1 to 100/],
    ['max-file fraction', { Name: 'file', 'max-file': '2.5' }, 'options.max-file', /from 1 to 100/],
    ['forward without Host', { Name: 'forward' }, 'options.Host', /required for output 'forward'/],
    ['http with empty Host', { Name: 'http', Host: '' }, 'options.Host', /required for output 'http'/],
    ['Port 0', { Name: 'forward', Host: 'h', Port: '0' }, 'options.Port', /from 1 to 65535; got '0'/],
    ['Port 65536', { Name: 'http', Host: 'h', port: '65536' }, 'options.port', /from 1 to 65535/],
    ['Port not a number', { Name: 'forward', Host: 'h', Port: 'http' }, 'options.Port', /from 1 to 65535/],
    ['tls yes', { Name: 'http', Host: 'h', tls: 'yes' }, 'options.tls', /on, off, true or false; got 'yes'/],
    ['ack maybe', { Name: 'forward', Host: 'h', Require_ack_response: 'maybe' }, 'options.Require_ack_response', /on, off, true or false/],
    ['empty Tag', { Name: 'forward', Host: 'h', Tag: '' }, 'options.Tag', /must not be empty/],
    ['URI without slash', { Name: 'http', Host: 'h', URI: 'ingest' }, 'options.URI', /must start with '\/'/],
    ['Header without value', { Name: 'http', Host: 'h', Header: 'X-Key' }, 'options.Header', /'<name> <value>'/],
  ];
  for (const [name, options, field, message] of table) {
    let err: unknown;
    try {
      logHandling({ logDriver: FIRELENS_DRIVER, options });
    } catch (e) {
      err = e;
    }
    t.type(err, LogOptionError, name);
    t.equal((err as LogOptionError).field, field, `${name}: field`);
    t.match((err as LogOptionError).message, message, `${name}: message`);
  }
});

t.test('requiredLogDriverAttribute: ECS capability names', async (t) => {
  t.equal(requiredLogDriverAttribute(undefined), undefined);
  t.equal(requiredLogDriverAttribute({ logDriver: 'awsfirelens' }), 'com.amazonaws.ecs.capability.logging-driver.awsfirelens');
  t.equal(requiredLogDriverAttribute({ logDriver: 'json-file' }), 'com.amazonaws.ecs.capability.logging-driver.json-file');
  t.equal(requiredLogDriverAttribute({ logDriver: 'syslog' }), 'com.amazonaws.ecs.capability.logging-driver.syslog');
});

t.test('logDriverRefusal: the agent start-time check', async (t) => {
  const table: [string, { logDriver: string } | undefined, string[], string | undefined][] = [
    ['no logConfiguration', undefined, [], undefined],
    ['awsfirelens, even when not listed', { logDriver: 'awsfirelens' }, ['json-file'], undefined],
    ['listed', { logDriver: 'json-file' }, ['json-file', 'none'], undefined],
    ['none listed', { logDriver: 'none' }, ['json-file', 'none'], undefined],
    [
      'not listed',
      { logDriver: 'syslog' },
      ['json-file', 'none'],
      "logging driver 'syslog' is not available on this container instance (ECS_AVAILABLE_LOGGING_DRIVERS: json-file, none)",
    ],
    [
      'nothing listed',
      { logDriver: 'local' },
      [],
      "logging driver 'local' is not available on this container instance (ECS_AVAILABLE_LOGGING_DRIVERS is empty)",
    ],
  ];
  for (const [name, lc, available, want] of table) t.equal(logDriverRefusal(lc, available), want, name);
});
