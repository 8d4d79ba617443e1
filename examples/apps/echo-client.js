// The client for echo-server.js: connects, sends a line, prints what comes back, and ends.
//
//   --app "h1:./examples/apps/echo-client.js h2 7 hello there"
//
// Arguments: SERVER PORT WORDS... (a node name such as h2 stands for its address).
// main() returns a promise: the run waits for it, and a rejection makes tinkernet exit with 1.

/** @param {import("tinkernet").AppHost} host @param {string[]} args */
export function main(host, args) {
  const [server = "10.0.1.11", port = "7", ...words] = args;
  const message = `${words.join(" ") || "hello"}\n`;
  return new Promise((resolve, reject) => {
    const socket = host.net.connect(Number(port), server, () => {
      console.log(`connected to ${server}:${port} from ${socket.localAddress}:${socket.localPort}`);
      socket.end(message); // send, then half-close: the server answers and closes
    });
    let answer = "";
    socket.on("data", (data) => {
      answer += data.toString();
    });
    socket.on("close", () => {
      console.log(`the server echoed: ${answer.trimEnd()}`);
      if (answer === message) resolve();
      else reject(new Error(`expected ${JSON.stringify(message)}, got ${JSON.stringify(answer)}`));
    });
    socket.on("error", reject);
  });
}
