import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The few tar.gz operations retraining needs: SageMaker packs `/opt/ml/model` into `model.tar.gz`,
 * and the evaluate step unpacks it. Regular files only (ustar headers, with the ustar prefix field);
 * directories and links are skipped. Small archives only: everything is held in memory.
 */

const BLOCK = 512;

const text = (bytes: Uint8Array, start: number, length: number): string => {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
};

/** Files of a `.tar.gz` (or plain `.tar`) by path, with any leading `./` removed. */
export function readTarGz(archive: Uint8Array): Map<string, Uint8Array> {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const files = new Map<string, Uint8Array>();
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const name = text(header, 0, 100);
    const prefix = text(header, 345, 155);
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (!Number.isFinite(size)) throw new Error(`tar: bad size field for ${name}`);
    const body = offset + BLOCK;
    if (body + size > tar.length) throw new Error(`tar: ${name} runs past the end of the archive`);
    if (type === '0' || type === '\0') {
      const path = (prefix ? `${prefix}/${name}` : name).replace(/^(\.\/)+/, '');
      files.set(path, tar.slice(body, body + size));
    }
    offset = body + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;

/** A `.tar.gz` of the given files (names up to 100 bytes), as SageMaker writes `model.tar.gz`. */
export function writeTarGz(files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): Uint8Array {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  const blocks: Uint8Array[] = [];
  for (const [name, data] of entries) {
    const header = new Uint8Array(BLOCK);
    const encoder = new TextEncoder();
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
    header.set(nameBytes, 0);
    header.set(encoder.encode(octal(0o644, 8)), 100);
    header.set(encoder.encode(octal(0, 8)), 108);
    header.set(encoder.encode(octal(0, 8)), 116);
    header.set(encoder.encode(octal(data.length, 12)), 124);
    header.set(encoder.encode(octal(0, 12)), 136);
    header.set(encoder.encode('        '), 148);
    header[156] = '0'.charCodeAt(0);
    header.set(encoder.encode('ustar\u000000'), 257);
    const checksum = header.reduce((sum, b) => sum + b, 0);
    header.set(encoder.encode(`${checksum.toString(8).padStart(6, '0')}\0 `), 148);
    blocks.push(header, data, new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  blocks.push(new Uint8Array(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks));
}
