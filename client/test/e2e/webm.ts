import fs from 'node:fs';

/**
 * A long, playable WebM made from a short one that Chromium recorded with
 * MediaRecorder (no ffmpeg on the machines that run the tests). The recording's
 * clusters are written again and again with their timecodes moved on by the
 * recording's length, so every byte of the result is real video; the Info gets
 * the total Duration and Cues point at each keyframe cluster, so a player can
 * seek into the middle with one Range request. A Void element at the end brings
 * the file to the exact size asked for.
 */

const ID = {
  segment: 0x18538067, info: 0x1549a966, tracks: 0x1654ae6b, cluster: 0x1f43b675, cues: 0x1c53bb6b,
  duration: 0x4489, timecodeScale: 0x2ad7b1, timecode: 0xe7, simpleBlock: 0xa3, blockGroup: 0xa0, block: 0xa1, referenceBlock: 0xfb, void: 0xec,
  cuePoint: 0xbb, cueTime: 0xb3, cueTrackPositions: 0xb7, cueTrack: 0xf7, cueClusterPosition: 0xf1,
} as const;
/** Elements that end an unknown-size cluster (its next sibling at the segment's level). */
const SEGMENT_LEVEL = new Set<number>([ID.cluster, ID.cues, ID.info, ID.tracks, 0x1254c367, 0x114d9b74, 0x1043a770, 0x1941a469]);

interface Element {
  id: number;
  /** Where the element (its ID) starts, and where its data starts and ends, in the source. */
  from: number;
  start: number;
  end: number;
}

function readId(buf: Buffer, at: number): { id: number; length: number } {
  const first = buf[at]!;
  const length = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : 4;
  return { id: buf.readUIntBE(at, length), length };
}

function readSize(buf: Buffer, at: number): { size: number | null; length: number } {
  const first = buf[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = buf[at + i]!;
    if (byte !== 0xff) allOnes = false;
    value = value * 256 + byte;
  }
  return { size: allOnes ? null : value, length };
}

/** The children of [start, end); an unknown size runs to the end (a Segment) or to the next segment-level element (a Cluster). */
function children(buf: Buffer, start: number, end: number): Element[] {
  const out: Element[] = [];
  let at = start;
  while (at < end) {
    const { id, length } = readId(buf, at);
    const size = readSize(buf, at + length);
    const dataStart = at + length + size.length;
    let dataEnd: number;
    if (size.size !== null) dataEnd = dataStart + size.size;
    else if (id === ID.segment) dataEnd = end;
    else {
      dataEnd = dataStart;
      while (dataEnd < end) {
        const child = readId(buf, dataEnd);
        if (SEGMENT_LEVEL.has(child.id)) break;
        const childSize = readSize(buf, dataEnd + child.length);
        dataEnd += child.length + childSize.length + (childSize.size ?? 0);
      }
    }
    out.push({ id, from: at, start: dataStart, end: Math.min(dataEnd, end) });
    at = dataEnd;
  }
  return out;
}

const idBytes = (id: number) => {
  const length = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const b = Buffer.alloc(length);
  b.writeUIntBE(id, 0, length);
  return b;
};
/** A size as an 8-byte vint, so every size is known before the data is. */
const size8 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n) | (1n << 56n));
  return b;
};
const element = (id: number, ...data: Buffer[]) => Buffer.concat([idBytes(id), size8(data.reduce((n, d) => n + d.length, 0)), ...data]);
const uint8 = (id: number, n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return element(id, b);
};

interface Cluster {
  timecode: number;
  /** Children other than the Timecode, as they were. */
  rest: Buffer[];
  keyframe: boolean;
}

export interface LongWebm {
  durationMs: number;
  bytes: number;
}

/** Writes `targetBytes` of WebM built from `recording` to `file`. */
export function writeLongWebm(recording: Buffer, targetBytes: number, file: string): LongWebm {
  const top = children(recording, 0, recording.length);
  const header = top[0]!;
  const segment = top.find((e) => e.id === ID.segment)!;
  const parts = children(recording, segment.start, segment.end);
  const info = parts.find((e) => e.id === ID.info)!;
  const tracks = parts.find((e) => e.id === ID.tracks)!;
  const infoChildren = children(recording, info.start, info.end);
  const scaleEl = infoChildren.find((e) => e.id === ID.timecodeScale);
  const scaleNs = scaleEl ? recording.readUIntBE(scaleEl.start, scaleEl.end - scaleEl.start) : 1_000_000;

  let track = 1;
  let last = 0;
  const gaps: number[] = [];
  const clusters: Cluster[] = parts
    .filter((e) => e.id === ID.cluster)
    .map((c) => {
      const kids = children(recording, c.start, c.end);
      const tcEl = kids.find((k) => k.id === ID.timecode)!;
      const timecode = recording.readUIntBE(tcEl.start, tcEl.end - tcEl.start);
      let keyframe = false;
      let first = true;
      for (const k of kids) {
        const block = blockOf(recording, k);
        if (!block) continue;
        track = block.track;
        const at = timecode + block.relative;
        if (first) keyframe = block.keyframe;
        first = false;
        if (at > last) gaps.push(at - last);
        last = Math.max(last, at);
      }
      return { timecode, keyframe, rest: kids.filter((k) => k.id !== ID.timecode).map((k) => recording.subarray(k.from, k.end)) };
    });
  const frame = gaps.length ? Math.round(gaps.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, gaps.length - 1)) || 33 : 33;
  const period = last - clusters[0]!.timecode + frame;

  const clusterBytes = (c: Cluster, shift: number) => element(ID.cluster, uint8(ID.timecode, c.timecode + shift), ...c.rest);
  const oneRound = clusters.reduce((n, c) => n + clusterBytes(c, 0).length, 0);
  const headerBytes = recording.subarray(0, header.end);
  const segmentHead = Buffer.concat([idBytes(ID.segment), Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
  const tracksBytes = recording.subarray(tracks.from, tracks.end);
  const keyframes = clusters.filter((c) => c.keyframe).length;
  const cuePointBytes = cuePoint(0, 1, 0).length;
  const fixed = headerBytes.length + segmentHead.length + 200 + tracksBytes.length;
  const rounds = Math.max(1, Math.floor((targetBytes - fixed) / (oneRound + keyframes * cuePointBytes)));
  const durationUnits = rounds * period;

  const infoBytes = element(
    ID.info,
    ...infoChildren.filter((e) => e.id !== ID.duration).map((e) => recording.subarray(e.from, e.end)),
    (() => {
      const d = Buffer.alloc(8);
      d.writeDoubleBE(durationUnits);
      return element(ID.duration, d);
    })(),
  );
  // Cue positions are from the start of the segment's data: Info, Tracks, Cues, then the clusters.
  const cuesLength = 12 + rounds * keyframes * cuePointBytes;
  let position = infoBytes.length + tracksBytes.length + cuesLength;
  const cuePoints: Buffer[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of clusters) {
      if (c.keyframe) cuePoints.push(cuePoint(c.timecode + r * period, track, position));
      position += clusterBytes(c, r * period).length;
    }
  }
  const cues = element(ID.cues, ...cuePoints);
  if (cues.length !== cuesLength) throw new Error(`cues are ${cues.length} bytes, ${cuesLength} were planned`);

  const fd = fs.openSync(file, 'w');
  try {
    let written = 0;
    const write = (b: Buffer) => {
      fs.writeSync(fd, b);
      written += b.length;
    };
    write(headerBytes);
    write(segmentHead);
    write(infoBytes);
    write(tracksBytes);
    write(cues);
    for (let r = 0; r < rounds; r++) for (const c of clusters) write(clusterBytes(c, r * period));
    const rest = targetBytes - written;
    if (rest >= 9) write(element(ID.void, Buffer.alloc(rest - 9)));
    return { durationMs: (durationUnits * scaleNs) / 1e6, bytes: written };
  } finally {
    fs.closeSync(fd);
  }
}

/** A CuePoint with fixed-width numbers, so that every one has the same length. */
function cuePoint(time: number, track: number, clusterPosition: number): Buffer {
  const u64 = (id: number, n: number) => {
    const b = Buffer.alloc(10);
    b[0] = id;
    b[1] = 0x88;
    b.writeBigUInt64BE(BigInt(n), 2);
    return b;
  };
  const positions = Buffer.concat([Buffer.from([ID.cueTrack, 0x81, track]), u64(ID.cueClusterPosition, clusterPosition)]);
  const trackPositions = Buffer.concat([Buffer.from([ID.cueTrackPositions, 0x80 | positions.length]), positions]);
  const body = Buffer.concat([u64(ID.cueTime, time), trackPositions]);
  return Buffer.concat([Buffer.from([ID.cuePoint, 0x80 | body.length]), body]);
}

/** A SimpleBlock's or BlockGroup's track, timecode (relative to its cluster) and whether it is a keyframe. */
function blockOf(buf: Buffer, e: Element): { track: number; relative: number; keyframe: boolean } | null {
  let data: Element | undefined = e;
  let keyframe: boolean | null = null;
  if (e.id === ID.blockGroup) {
    const kids = children(buf, e.start, e.end);
    data = kids.find((k) => k.id === ID.block);
    // A Block is a keyframe unless it references another.
    keyframe = !kids.some((k) => k.id === ID.referenceBlock);
  } else if (e.id !== ID.simpleBlock) return null;
  if (!data) return null;
  const track = readSize(buf, data.start);
  const relative = buf.readInt16BE(data.start + track.length);
  return { track: track.size!, relative, keyframe: keyframe ?? (buf[data.start + track.length + 2]! & 0x80) !== 0 };
}
