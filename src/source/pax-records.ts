/**
 * Which PAX records can make two tar readers disagree about what an archive holds.
 *
 * An ambiguity is two readers seeing different content: another path, size, type, link target or
 * data. Python's `tarfile` (PAX by default) writes an `mtime` record for every file, GNU tar's
 * `--format=pax` writes `mtime`, `atime` and `ctime`, `git archive` a global `comment`: none of these
 * changes what any reader unpacks, so they are no finding. Everything not listed here (`path`,
 * `linkpath`, `size`, `GNU.sparse.*`, `hdrcharset`, `SCHILY.realsize`, `SCHILY.filetype`,
 * `SCHILY.fflags`, `SCHILY.dev`/`ino`/`nlink`, `LIBARCHIVE.symlinktype`, unknown vendor keys) stays
 * a finding: an allow-list, so a key nobody has looked at is never waved through.
 */
import type { PaxRecord } from './tar-format.js';

/** A decimal time as POSIX writes it (`1796413964.3013537`, negative before 1970). */
const TIME = /^-?[0-9]+(\.[0-9]+)?$/;
const ID = /^[0-9]+$/;
const ANY = /^/;

/**
 * Keys whose value no reader uses for a path, size, type, link target or data. Numeric ones count
 * only when well formed: a reader that rejects a bad value might skip or fail the entry.
 */
const HARMLESS: Record<string, RegExp> = {
  // Timestamps: tar-rs sets mtime on the unpacked file, others also atime; contents are unchanged.
  mtime: TIME,
  atime: TIME,
  ctime: TIME,
  'LIBARCHIVE.creationtime': TIME,
  // Ownership: applied by readers running as root (chown); the file's bytes and name are the same.
  uid: ID,
  gid: ID,
  uname: ANY,
  gname: ANY,
  // Free text for people (git archive stores the commit here) and the data's declared character
  // set, which POSIX makes informational and no reader converts data by.
  comment: ANY,
  charset: ANY,
};

/**
 * Key prefixes of the same standing: extended attributes (GNU tar `--xattrs`, bsdtar, star) and
 * access-control lists, restored as file metadata alongside the mode bits (which are never a
 * finding), never as the file's name, size, type or bytes.
 */
const HARMLESS_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.', 'SCHILY.acl.'];

/**
 * The records as every reader splits them, or null when readers could split them differently:
 * POSIX readers go by each record's length, tar-rs by newlines and stops at an empty line. Only
 * data that is exactly a run of `LEN key=value\n` records, no newline inside a value, no leading
 * `+` or zero, nothing after the last record, reads the same both ways (what tarfile and GNU tar write).
 */
export function paxRecordsExact(data: Buffer): PaxRecord[] | null {
  const out: PaxRecord[] = [];
  let at = 0;
  while (at < data.length) {
    const sp = data.indexOf(0x20, at);
    if (sp < 0 || sp - at > 20) return null;
    const lenText = data.toString('latin1', at, sp);
    if (!/^[1-9][0-9]*$/.test(lenText)) return null;
    const end = at + Number(lenText);
    if (end > data.length || end <= sp + 1 || data[end - 1] !== 0x0a) return null;
    const body = data.subarray(sp + 1, end - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0 || body.includes(0x0a)) return null;
    out.push({ key: body.subarray(0, eq).toString('utf8'), value: body.subarray(eq + 1), malformed: false });
    at = end;
  }
  return out;
}

/** True when the record cannot change what any reader unpacks (see the lists above). Check the layout with `paxRecordsExact` first. */
export function harmlessPaxRecord(r: PaxRecord): boolean {
  if (r.malformed) return false;
  // hasOwn: a key such as `constructor` must not find Object.prototype's members.
  if (Object.hasOwn(HARMLESS, r.key)) return HARMLESS[r.key].test(r.value.toString('latin1'));
  return HARMLESS_PREFIXES.some((p) => r.key.startsWith(p) && r.key.length > p.length);
}
