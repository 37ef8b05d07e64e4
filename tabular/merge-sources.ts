import { createReadStream, createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from './engine.js';
import { sqlString } from './engine.js';
import { TabularReadError } from './errors.js';
import { readCsvHeader } from './read-csv.js';

/**
 * Several source objects of one format (the matches of a `*` source, in name order) as one file
 * the snapshot reads: JSON Lines and CSV streamed end to end (CSV headers must agree; later
 * ones are dropped), Parquet by the engine. Never held whole in memory.
 */
export async function mergeSourceFiles(engine: Engine, files: readonly string[], format: 'csv' | 'jsonl' | 'parquet', target: string, names: readonly string[] = files): Promise<void> {
  if (format === 'parquet') {
    try {
      await engine.run(`copy (select * from read_parquet([${files.map(sqlString).join(', ')}])) to ${sqlString(target)} (format parquet, compression zstd)`);
    } catch (error) {
      throw new TabularReadError(names.join(', '), undefined, `the Parquet objects do not share one schema: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    return;
  }
  const header = format === 'csv' ? await readCsvHeader(files[0]!) : [];
  for (const [i, file] of files.entries()) {
    if (format === 'csv' && i > 0 && (await readCsvHeader(file)).join(',') !== header.join(',')) {
      throw new TabularReadError(names[i] ?? basename(file), 1, `its header (${(await readCsvHeader(file)).join(', ')}) differs from the first object's (${header.join(', ')})`);
    }
  }
  const out = createWriteStream(target);
  for (const [i, file] of files.entries()) {
    // Each object ends its last line, so the next one's first row starts a line of its own.
    await pipeline(createReadStream(file), endingInNewline(format === 'csv' && i > 0), out, { end: false });
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Passes bytes on, dropping the first line when asked, and ends with a newline if the input did not. */
function endingInNewline(skipFirstLine: boolean): Transform {
  let skipping = skipFirstLine;
  let last = 0x0a;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let bytes = chunk;
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
