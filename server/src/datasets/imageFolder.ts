import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './idx';

/**
 * A folder of labelled images as every vision library reads it (torchvision's
 * ImageFolder): `DIR/<class>/<image>`, or `DIR/train/<class>/…` with `DIR/val/<class>/…`
 * when the validation split is given. Class names are the sorted folder names.
 */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

export type Split = 'train' | 'val';

export interface FolderImage {
  split: Split;
  label: number;
  /** Path relative to the data folder. */
  file: string;
  bytes: number;
  mtimeMs: number;
}

/** What is wrong with a folder's layout, for the editor to show before anything trains. */
export interface LayoutProblem {
  /** Where the editor puts it: on `task.path`. */
  message: string;
  severity: 'error' | 'warning';
}

export interface FolderScan {
  dir: string;
  /** `classes`: one folder per class, validation held out by `validationSplit`; `splits`: train/ and val/. */
  layout: 'classes' | 'splits';
  classes: string[];
  images: FolderImage[];
  /** Images per split. */
  counts: Record<Split, number>;
  problems: LayoutProblem[];
}

const SPLIT_NAMES: Record<Split, string[]> = { train: ['train'], val: ['val', 'validation'] };

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Visible subfolders, sorted: hidden ones (the image cache among them) are not classes. */
function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function imagesOf(dir: string, root: string, split: Split, label: number): FolderImage[] {
  const out: FolderImage[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile() || !IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) continue;
    const abs = path.join(dir, e.name);
    const st = statSync(abs);
    out.push({ split, label, file: path.relative(root, abs), bytes: st.size, mtimeMs: st.mtimeMs });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The classes and image files of a data folder, and what is wrong with its layout. */
export function scanImageFolder(dir: string): FolderScan {
  if (!existsSync(dir)) throw new DataError(dir, 'folder not found (from task.path)');
  if (!isDir(dir)) throw new DataError(dir, 'is not a folder (task.path must name a folder)');
  const splitDir = (s: Split) => SPLIT_NAMES[s].map((n) => path.join(dir, n)).find(isDir);
  const trainDir = splitDir('train');
  const valDir = splitDir('val');
  const layout = trainDir ? 'splits' : 'classes';
  const classRoot = trainDir ?? dir;
  const classes = subfolders(classRoot);
  const problems: LayoutProblem[] = [];
  if (!classes.length)
    throw new DataError(
      classRoot,
      `no class folders: put each class's images in a subfolder (${path.basename(classRoot)}/<class>/*.png|jpg|jpeg|webp)`,
    );
  const images: FolderImage[] = [];
  classes.forEach((c, label) => {
    const found = imagesOf(path.join(classRoot, c), dir, 'train', label);
    if (!found.length)
      problems.push({
        severity: 'error',
        message: `Class '${c}' has no images (${path.join(classRoot, c)}).`,
      });
    images.push(...found);
  });
  if (trainDir && !valDir)
    problems.push({
      severity: 'warning',
      message: `${dir} has train/ but no val/: the validation images are held out of train/ by validationSplit.`,
    });
  if (valDir) {
    const valClasses = subfolders(valDir);
    for (const c of classes.filter((x) => !valClasses.includes(x)))
      problems.push({
        severity: 'error',
        message: `Class '${c}' is missing from ${valDir}: every class needs validation images.`,
      });
    for (const c of valClasses.filter((x) => !classes.includes(x)))
      problems.push({
        severity: 'error',
        message: `Class '${c}' is in ${valDir} but not in ${trainDir}: the classes must match.`,
      });
    classes.forEach((c, label) => {
      if (!valClasses.includes(c)) return;
      const found = imagesOf(path.join(valDir, c), dir, 'val', label);
      if (!found.length)
        problems.push({
          severity: 'error',
          message: `Class '${c}' has no validation images (${path.join(valDir, c)}).`,
        });
      images.push(...found);
    });
  }
  const counts = { train: 0, val: 0 };
  for (const im of images) counts[im.split]++;
  return { dir, layout, classes, images, counts, problems };
}
