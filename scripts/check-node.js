// Stops with one clear message on a Node.js that the project does not run on (the bin, `npm test` and
// `npm install` run it; keep in step with "engines" in package.json). Node 22.22+ on the 22 line, because
// chokidar (a runtime dependency) declares >= 22.22; not 23, which jest and eslint (dev) exclude; 24 or newer.
// Plain script without import/export or recent syntax, so that any old Node runs it to the message.
var v = process.versions.node.split('.').map(Number);
if (!(v[0] >= 24 || (v[0] === 22 && v[1] >= 22))) {
  console.error(
    'passerelle needs Node.js 24 or newer (or 22.22+); this is Node ' +
      process.versions.node +
      ' (' +
      process.execPath +
      ').\n' +
      'Get Node 24: `nvm install` (reads .nvmrc), or ' +
      '`npm install --prefix ~/.node24 node@24 && export PATH="$HOME/.node24/node_modules/.bin:$PATH"`.',
  );
  process.exit(1);
}
