/**
 * Private to lib/transport: the types of the parts of npm:ssh2 drover uses.
 *
 * Written here instead of depending on @types/ssh2, which pulls in @types/node@18 and so
 * replaces Deno's own Node types for the whole project (node:sqlite disappears).
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Duplex, Readable } from "node:stream";

/** A parsed private or public key. */
export interface ParsedKey {
  type: string;
  comment: string;
  getPublicSSH(): Buffer;
}

/** One authentication attempt. */
export type AuthMethod =
  | { type: "publickey"; username: string; key: ParsedKey | Buffer | string }
  | { type: "agent"; username: string; agent: string };

/** Options of `Client.connect` that drover sets. */
export interface ConnectConfig {
  sock: Readable;
  username: string;
  readyTimeout?: number;
  keepaliveInterval?: number;
  algorithms?: { serverHostKey?: string[] | { prepend?: string[] } };
  hostVerifier?: (key: Buffer) => boolean;
  authHandler?: AuthMethod[];
}

/** A session channel (exec). */
export interface ClientChannel extends Duplex {
  stderr: Readable;
  close(): void;
  signal(name: string): void;
}

/** SFTP status errors carry the status code. */
export type SftpError = Error & { code?: number };
type Done = (err: SftpError | undefined | null) => void;

/** The SFTP session. */
export interface SFTPWrapper {
  open(
    path: string,
    flags: string,
    attrs: { mode?: number },
    cb: (err: SftpError | undefined | null, handle: Buffer) => void,
  ): void;
  open(
    path: string,
    flags: string,
    cb: (err: SftpError | undefined | null, handle: Buffer) => void,
  ): void;
  close(handle: Buffer, cb: Done): void;
  fchmod(handle: Buffer, mode: number, cb: Done): void;
  fstat(
    handle: Buffer,
    cb: (err: SftpError | undefined | null, stats: { size: number }) => void,
  ): void;
  write(
    handle: Buffer,
    data: Buffer,
    offset: number,
    length: number,
    position: number,
    cb: Done,
  ): void;
  read(
    handle: Buffer,
    into: Buffer,
    offset: number,
    length: number,
    position: number,
    cb: (err: SftpError | undefined | null, bytesRead: number) => void,
  ): void;
  unlink(path: string, cb: Done): void;
  ext_openssh_rename(from: string, to: string, cb: Done): void;
  end(): void;
}

/** An SSH client connection. */
export class Client {
  constructor();
  connect(config: ConnectConfig): this;
  exec(command: string, cb: (err: Error | undefined, channel: ClientChannel) => void): this;
  sftp(cb: (err: Error | undefined, sftp: SFTPWrapper) => void): this;
  forwardOut(
    srcIP: string,
    srcPort: number,
    dstIP: string,
    dstPort: number,
    cb: (err: Error | undefined, channel: ClientChannel) => void,
  ): this;
  end(): this;
  destroy(): this;
  on(event: "error", listener: (err: Error & { level?: string }) => void): this;
  on(event: "ready" | "close" | "end", listener: () => void): this;
  once(event: "error", listener: (err: Error & { level?: string }) => void): this;
  once(event: "ready" | "close" | "end", listener: () => void): this;
}

/** Key helpers. */
export const utils: {
  parseKey(data: Buffer | string, passphrase?: string): ParsedKey | ParsedKey[] | Error;
  generateKeyPairSync(type: "ed25519"): { private: string; public: string };
};
