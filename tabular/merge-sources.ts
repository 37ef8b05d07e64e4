import { createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from './engine.js';
import { sqlString } from './engine.js';
import { TabularReadError } from './errors.js';
import { readCsvHeader } from './read-csv.js';
import type { CsvDelimiter } from '../contracts/pipeline-spec-sections.js';
import { jsonArrayElements, opensWithArray } from './read-json.js';
import { objectRow } from './read-jsonl.js';
import { strictUtf8 } from './utf8.js';
import { fileTextEncoding, writeAsUtf8 } from './text-encoding.js';

/**
 * Several source objects of one format (the matches of a `*` source, in name order) as one file
 * the snapshot reads: JSON Lines and CSV streamed end to end (CSV headers must agree; later
 * ones are dropped), JSON arrays written as JSON Lines, Parquet by the engine. Never held whole in memory. Each text object is
 * read in its own encoding (`encoding`, a source.encoding label, or told from its bytes), so
 * objects exported in different encodings merge as one UTF-8 file.
 */
export async function mergeSourceFiles(
  engine: Engine,
  files: readonly string[],
  format: 'csv' | 'json' | 'jsonl' | 'parquet',
  target: string,
  names: readonly string[] = files,
  encoding?: string,
  delimiter: CsvDelimiter = ',',
): Promise<void> {
  if (format === 'parquet') {
    try {
      await engine.run(`copy (select * from read_parquet([${files.map(sqlString).join(', ')}])) to ${sqlString(target)} (format parquet, compression zstd)`);
    } catch (error) {
      throw new TabularReadError(names.join(', '), undefined, `the Parquet objects do not share one schema: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    return;
  }
  const texts = await asUtf8(files, format, target, names, encoding);
  const header = format === 'csv' ? await readCsvHeader(texts[0]!, delimiter) : [];
  for (const [i, file] of texts.entries()) {
    if (format === 'csv' && i > 0 && (await readCsvHeader(file, delimiter)).join(',') !== header.join(',')) {
      throw new TabularReadError(names[i] ?? basename(file), 1, `its header (${(await readCsvHeader(file, delimiter)).join(', ')}) differs from the first object's (${header.join(', ')})`);
    }
  }
  const out = createWriteStream(target);
  for (const [i, file] of texts.entries()) {
    if (format === 'json' && (await opensWithArray(file))) {
      await pipeline(Readable.from(arrayAsLines(file, names[i] ?? basename(file))), out, { end: false });
      continue;
    }
    // An object read as UTF-8 is checked here, so a bad byte is named in its object at its own line, not in the merged file.
    const checked = file === files[i] ? [strictUtf8(file, { name: names[i] ?? file })] : [];
    // Each object ends its last line, so the next one's first row starts a line of its own.
    await pipeline([createReadStream(file), ...checked, endingInNewline(format === 'csv' && i > 0), out], { end: false });
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Each text object as a UTF-8 file: itself when it is UTF-8, else a copy beside `target`. */
async function asUtf8(files: readonly string[], format: 'csv' | 'json' | 'jsonl', target: string, names: readonly string[], encoding: string | undefined): Promise<string[]> {
  const utf8: string[] = [];
  for (const [i, file] of files.entries()) {
    const name = names[i] ?? file;
    const sniffed = await fileTextEncoding(file, encoding, name);
    if (sniffed.encoding === 'utf-8') {
      utf8.push(file);
      continue;
    }
    const copy = join(dirname(target), `object-${i}-utf8.${format}`);
    await writeAsUtf8(file, sniffed, copy, name);
    utf8.push(copy);
  }
  return utf8;
}

/**
 * Passes bytes on, dropping a UTF-8 byte-order mark (in the middle of the merged file it would
 * be text) and the first line when asked, and ends with a newline if the input did not.
 */
function endingInNewline(skipFirstLine: boolean): Transform {
  let skipping = skipFirstLine;
  let first = true;
  let last = 0x0a;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let bytes = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk;
      first = false;
      if (skipping) {
        const newline = bytes.indexOf(0x0a);
        if (newline < 0) return done();
        skipping = false;
        bytes = bytes.subarray(newline + 1);
      }
      if (bytes.length > 0) last = bytes[bytes.length - 1]!;
      done(null, bytes);
    },
    flush(done) {
      done(null, last === 0x0a ? undefined : Buffer.from('\n'));
    },
  });
}

/**
 * A JSON array's elements as JSON Lines, each checked as a row is (an object, no number past
 * float64), so a fault is named in its own object and no Infinity is written out as null.
 */
async function* arrayAsLines(file: string, name: string): AsyncGenerator<string> {
  for await (const { index, value } of jsonArrayElements(file, name)) {
    objectRow(value, (detail) => new TabularReadError(name, undefined, `array element ${index}: ${detail}`), 'as each element of the array');
    yield `${JSON.stringify(value)}\n`;
  }
}
