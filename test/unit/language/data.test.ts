// The language service knows the data: located diagnostics for a broken image folder or
// CIFAR file, the data's facts on hover over `task`, folders offered for `task.path`.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { MarkupContent } from 'vscode-languageserver-types';
import { dataIo } from '../../../server/src/datasets/dataIo';
import { getLanguageService } from '../../../server/src/language/languageService';

void describe('the language service reads the data it is given', () => {
  let dir: string;
  const ls = () =>
    getLanguageService({
      ...dataIo(),
      uriToPath: (uri) => new URL(uri).pathname,
      pathExists: existsSync,
      resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
    });
  const open = (name: string, text: string) =>
    TextDocument.create(pathToFileURL(path.join(dir, name)).href, 'supernet', 1, text);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-lsdata-'));
    for (const split of ['train', 'val'])
      for (const c of ['cat', 'dog'])
        for (let i = 0; i < (split === 'train' ? 3 : 1); i++) {
          mkdirSync(path.join(dir, 'pets', split, c), { recursive: true });
          writeFileSync(path.join(dir, 'pets', split, c, `${i}.png`), 'not decoded by the checks');
        }
    mkdirSync(path.join(dir, 'pets', 'train', 'fish')); // no images, and not in val
    mkdirSync(path.join(dir, 'cifar'));
    writeFileSync(path.join(dir, 'cifar', 'data_batch_1.bin'), Buffer.alloc(3073 * 2 + 7));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const folderConfig = `task:
  dataset: folder
  path: ./pets
  input: [32, 32, 3]
  classes: 3
`;

  void test('an empty class and a class missing from val are located on task.path', () => {
    const d = open('pets.supernet.yaml', folderConfig);
    const found = ls()
      .validate(d)
      .filter((x) => x.code === 'data-problem');
    assert.deepEqual(
      found.map((x) => [x.range.start.line, x.message.replace(dir, 'D')]),
      [
        [2, "Class 'fish' has no images (D/pets/train/fish)."],
        [2, "Class 'fish' is missing from D/pets/val: every class needs validation images."],
      ],
    );
  });

  void test('hover on task: the kind, images per split, the classes, the stored size', () => {
    const h = ls().hover(open('pets.supernet.yaml', folderConfig), { line: 0, character: 1 });
    const md = (h?.contents as MarkupContent).value;
    assert.match(md, /\*\*image folder\*\* in \S*pets/);
    assert.match(md, /Images: 6 train · 2 validation/);
    assert.match(md, /Classes: 3: cat, dog, fish/);
    assert.match(md, /resized to `task.input`/);
  });

  void test('hover shows folder and class names as text: Markdown and HTML in them are escaped', () => {
    const evil = path.join(dir, 'evil');
    for (const split of ['train', 'val'])
      for (const c of ['[x](command:rm)', '<img src=x onerror=alert(1)>'])
        mkdirSync(path.join(evil, split, c), { recursive: true });
    for (const split of ['train', 'val'])
      for (const c of ['[x](command:rm)', '<img src=x onerror=alert(1)>'])
        writeFileSync(path.join(evil, split, c, '0.png'), 'x');
    const config = folderConfig.replace('./pets', './evil').replace('classes: 3', 'classes: 2');
    const h = ls().hover(open('evil.supernet.yaml', config), { line: 0, character: 1 });
    const md = (h?.contents as MarkupContent).value;
    assert.ok(md.includes('\\[x\\]\\(command:rm\\)'), md);
    assert.ok(md.includes('\\<img src=x onerror=alert\\(1\\)\\>'), md);
    assert.doesNotMatch(md, /[^\\]<img/);
    assert.doesNotMatch(md, /[^\\]\]\(command/);
  });

  void test('a CIFAR file of no whole number of records, and a wrong input size, are located', () => {
    const text = 'task: { dataset: cifar10, path: ./cifar, input: [28, 28, 1], classes: 10 }\n';
    const found = ls().validate(open('c.supernet.yaml', text));
    const msg = (code: string) => found.filter((x) => x.code === code).map((x) => x.message);
    assert.match(
      msg('data-problem')[0],
      /data_batch_1\.bin: is 6153 bytes, not a whole number of 3073-byte CIFAR-10 records \(2 records and 7 bytes over\)/,
    );
    assert.deepEqual(msg('data-mismatch'), [
      'CIFAR-10 images are 32×32×3 but task.input is [28, 28, 1]: use [32, 32, 3].',
    ]);
    assert.equal(
      found.find((x) => x.code === 'data-mismatch')?.range.start.character,
      text.indexOf('[28'),
    );
  });

  void test('completion of task.path offers the folders next to the config', () => {
    const text = 'task:\n  dataset: folder\n  path: ./p\n';
    const items = ls().complete(open('x.supernet.yaml', text), { line: 2, character: 11 }).items;
    assert.deepEqual(
      items.map((i) => i.label),
      ['./pets'],
    );
  });
});
