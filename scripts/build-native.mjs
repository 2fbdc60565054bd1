// Builds the native addon from source with node-gyp, offline. node-gyp needs Node's headers;
// it downloads them unless told where they are, which fails without a network. Node installs
// from Debian packages and from the official tarballs carry them under <prefix>/include/node,
// so point node-gyp there when the user has not set nodedir already.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = ['rebuild'];
if (!process.env.npm_config_nodedir) {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
}
if (process.env.KEEL_BUILD_JOBS !== '1') args.push('-j', 'max');

// npm runs install scripts with npm_config_node_gyp pointing at its bundled node-gyp; outside
// npm, use a local node-gyp if there is one.
let nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp) {
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const npmDir = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    nodeGyp = path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  }
}
if (!existsSync(nodeGyp)) {
  console.error(`keel: cannot find node-gyp (looked at ${nodeGyp}); run the install through npm`);
  process.exit(1);
}
const result = spawnSync(process.execPath, [nodeGyp, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
