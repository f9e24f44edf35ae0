import { createServer, connect, type Server, type Socket } from 'node:net';
import { deserialize, type Document } from 'bson';
import { freshDatabaseName, startTestApi, testServerUri, type TestApi } from './api';

/**
 * A MongoDB wire-protocol proxy between the API and the test database, on loopback. It records
 * every command the API sends (OP_MSG bodies, decoded), and can stall commands or drop the reply
 * to one, to show what the API does when the database is slow or the network fails.
 */

const OP_MSG = 2013;

export interface RecordedCommand {
  /** The command's name: the first key of its body (find, insert, update, ...). */
  readonly name: string;
  readonly body: Document;
}

type Matcher = (command: RecordedCommand) => boolean;

export interface WireProxy {
  /** A connection string for the proxy, for the database `database`. */
  uri(database: string): string;
  readonly commands: RecordedCommand[];
  /** From now on, holds every command that `matches` (and everything after it on its socket). */
  stall(matches: Matcher): void;
  /** Forwards the next command that `matches`, then drops its reply and closes the socket. */
  dropReplyTo(matches: Matcher): void;
  close(): Promise<void>;
}

/** Decodes an OP_MSG's body section (kind 0), or null for anything else. */
function decode(message: Buffer): RecordedCommand | null {
  if (message.readInt32LE(12) !== OP_MSG) return null;
  let offset = 20; // header (16) + flagBits (4)
  while (offset < message.length) {
    const kind = message.readUInt8(offset);
    offset += 1;
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      const body = deserialize(message.subarray(offset, offset + size));
      return { name: Object.keys(body)[0] ?? '', body };
    }
    offset += size;
  }
  return null;
}

/** Splits a stream into whole wire-protocol messages (each starts with its int32 length). */
function messages(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      onMessage(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

export async function startWireProxy(targetUri: string): Promise<WireProxy> {
  const target = /^mongodb:\/\/([^/:]+):(\d+)/.exec(targetUri);
  if (!target) throw new Error(`not a mongodb://host:port URI: ${targetUri}`);
  const [, host = '127.0.0.1', port = '0'] = target;
  const commands: RecordedCommand[] = [];
  const stalls: Matcher[] = [];
  let dropReply: Matcher | null = null;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    let stalled = false;
    const droppedRequests = new Set<number>();
    client.on(
      'data',
      messages((message) => {
        const command = decode(message);
        if (command) commands.push(command);
        if (stalled || (command && stalls.some((matches) => matches(command)))) {
          stalled = true;
          return;
        }
        if (command && dropReply?.(command)) {
          dropReply = null;
          droppedRequests.add(message.readInt32LE(4));
        }
        upstream.write(message);
      }),
    );
    upstream.on(
      'data',
      messages((message) => {
        if (droppedRequests.has(message.readInt32LE(8))) {
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(message);
      }),
    );
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;

  return {
    uri: (database) => `mongodb://127.0.0.1:${proxyPort}/${database}`,
    commands,
    stall: (matches) => stalls.push(matches),
    dropReplyTo: (matches) => {
      dropReply = matches;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A test API on a fresh database, its every command passing through a proxy of its own; `close`
 * stops both.
 */
export async function startProxiedApi(
  overrides: Record<string, string> = {},
): Promise<{ proxy: WireProxy; api: TestApi; close: () => Promise<void> }> {
  const proxy = await startWireProxy(testServerUri());
  const api = await startTestApi({ MONGODB_URI: proxy.uri(freshDatabaseName()), ...overrides });
  return {
    proxy,
    api,
    close: async () => {
      await api.close();
      await proxy.close();
    },
  };
}
