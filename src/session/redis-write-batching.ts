/**
 * One write to Redis per turn of the event loop. ioredis writes each command
 * to its socket as it is sent: a login and a close are one script each, so a
 * node handling many sockets made one write syscall per command, and on
 * loopback each such write also runs Redis' side of TCP and wakes it up. The
 * first command of a turn corks the connection's socket and an immediate
 * uncorks it: the commands of every socket handled in that turn leave in one
 * writev, which Redis reads at once and answers in one write. A command waits
 * at most until the end of the turn it was sent in (pending immediates keep
 * the event loop from blocking on I/O meanwhile).
 */
import type { Redis } from 'ioredis';

type NetStream = Redis['stream'];

/** Makes `client` write the commands sent in one turn of the event loop together. */
export function batchWritesPerTurn(client: Redis): void {
  const send = client.sendCommand.bind(client);
  let corked: NetStream | null = null;
  const release = (): void => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  client.sendCommand = (command, stream) => {
    // (the handshake runs before 'ready'; a command with its own stream belongs to a pipeline, which writes itself)
    const own = client.stream;
    if (corked === null && stream === undefined && client.status === 'ready' && own?.writable) {
      own.cork();
      corked = own;
      setImmediate(release);
    }
    return send(command, stream);
  };
}
