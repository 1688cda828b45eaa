#!/usr/bin/env node
// `npm start`: build, migrate, then run the five apps together with prefixed output; Ctrl-C stops them all.
// Each app reads `.env` of the working directory under the real environment (libs/config); its JSON lines also go to
// logs/<app>.log, rewritten every run. With ADMIN_TOKENS empty, admin-api gets a random token for this run only.
// Options: --no-build (use dist as it is), --first-port <n> (the apps listen on n … n+4 instead of 3000 … 3004).
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createWriteStream, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const concurrently = require('concurrently');

const root = join(__dirname, '..');
const APPS = ['ingest-api', 'outbox-relay', 'event-store-consumer', 'dispatcher', 'admin-api'];
const COLORS = ['cyan', 'magenta', 'yellow', 'green', 'blue'];
const LOCAL_TOKEN_NAME = 'local';

function option(name) {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

function run(file, args) {
  try {
    execFileSync(file, args, { cwd: file === 'npm' ? root : process.cwd(), stdio: 'inherit' });
  } catch {
    process.exit(1); // the command printed why
  }
}

/** A secret for admin-api when none is configured, so a local run can call the runbook endpoints at once. */
function localAdminToken() {
  const { loadConfig } = require(join(root, 'dist/libs/config/src'));
  const { adminSchema } = require(join(root, 'dist/apps/admin-api/src/admin-api.config'));
  try {
    return loadConfig(adminSchema).ADMIN_TOKENS.length === 0 ? randomBytes(20).toString('hex') : null;
  } catch {
    return null; // admin-api stops with the list of bad values
  }
}

/** Calls `onLine` with every complete line of a command's stdout. */
function eachLine(command, onLine) {
  let pending = '';
  command.stdout.subscribe((chunk) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop();
    lines.forEach(onLine);
  });
}

if (process.argv.includes('--no-build') === false) {
  run('npm', ['run', 'build']);
}
run(process.execPath, [join(root, 'dist/libs/entities/src/migrate.js'), 'run']);

const firstPort = Number(option('--first-port') ?? 3000);
const token = localAdminToken();
const logDir = join(process.cwd(), 'logs');
mkdirSync(logDir, { recursive: true });

const { commands, result } = concurrently(
  APPS.map((app, index) => ({
    name: app,
    command: `node "${join(root, 'dist/apps', app, 'src/main.js')}"`,
    prefixColor: COLORS[index],
    env: {
      PORT: String(firstPort + index),
      ...(app === 'admin-api' && token !== null ? { ADMIN_TOKENS: `${LOCAL_TOKEN_NAME}:${token}` } : {}),
    },
  })),
  { killOthersOn: ['failure'], prefix: 'name', padPrefix: true },
);

for (const command of commands) {
  const file = createWriteStream(join(logDir, `${command.name}.log`));
  eachLine(command, (line) => file.write(`${line}\n`));
}

if (token !== null) {
  const admin = commands.find((command) => command.name === 'admin-api');
  let printed = false;
  eachLine(admin, (line) => {
    if (!printed && line.includes('"msg":"admin-api started"')) {
      printed = true;
      console.log(
        `\nADMIN_TOKENS is empty, so admin-api accepts a random token for this run (name "${LOCAL_TOKEN_NAME}"). ` +
          'Paste this line to call it:\n\n' +
          `export ADMIN=http://localhost:${firstPort + 4} TOKEN=${token}\n`,
      );
    }
  });
}

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
