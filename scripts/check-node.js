// Stops with one clear message on a Node.js older than 22.12 (the bin, `npm test` and `npm install` run it).
// Plain script without import/export or recent syntax, so that any old Node runs it to the message.
var v = process.versions.node.split('.').map(Number);
if (v[0] < 22 || (v[0] === 22 && v[1] < 12)) {
  console.error(
    'passerelle needs Node.js >= 22.12; this is Node ' +
      process.versions.node +
      ' (' +
      process.execPath +
      ').\n' +
      'Get Node 24: `nvm install` (reads .nvmrc), or ' +
      '`npm install --prefix ~/.node24 node@24 && export PATH="$HOME/.node24/node_modules/.bin:$PATH"`.',
  );
  process.exit(1);
}
