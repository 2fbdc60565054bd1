// Builds the native addon from source with node-gyp, offline. node-gyp needs Node's headers;
// it downloads them unless told where they are, which fails without a network. Node installs
// from Debian packages and from the official tarballs carry them under <prefix>/include/node,
// so point node-gyp there when the user has not set nodedir already.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// npm runs this script again whenever the package is installed from its folder (`npx keel` in
// a clone installs it into npx's cache as a link), so skip the minutes-long rebuild when the
// addon is newer than every source it is built from. KEEL_REBUILD=1 forces a build.
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['native', 'binding.gyp', 'scripts/build-native.mjs']) visit(path.join(root, p));
  return newest;
}
const addon = path.join(root, 'build', 'Release', 'keel.node');
if (process.env.KEEL_REBUILD !== '1' && existsSync(addon) && statSync(addon).mtimeMs > newestSource()) {
  console.log(`keel: ${path.relative(process.cwd(), addon) || addon} is up to date (KEEL_REBUILD=1 rebuilds it)`);
  process.exit(0);
}
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
