import type { Server } from 'node:net';

/** Starts listening, turning the usual failures into one line naming the address and what to do. */
export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const address = `${host}:${port}`;
      if (error.code === 'EADDRINUSE')
        reject(new Error(`${what}: port ${address} is already in use; stop what holds it or choose another port`));
      else if (error.code === 'EACCES')
        reject(new Error(`${what}: not allowed to listen on ${address} (ports below 1024 need privileges)`));
      else reject(new Error(`${what}: cannot listen on ${address}: ${error.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
