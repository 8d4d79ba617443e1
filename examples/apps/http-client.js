// An HTTP client written against Node's `http` module: GET a URL from an emulated host and print
// the status, a header and the body.
//
//   --app h2:./examples/apps/http-server.js --app "h1:./examples/apps/http-client.js http://h2:8080/hello"

/** @param {import("tinkernet").AppHost} host @param {string[]} args */
export function main(host, args) {
  const url = args[0] ?? "http://10.0.1.11:8080/hello";
  return new Promise((resolve, reject) => {
    host.http
      .get(url, (response) => {
        console.log(
          `HTTP ${response.statusCode} ${response.statusMessage}, content-type ${response.headers["content-type"]}`,
        );
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => {
          console.log(body.trimEnd());
          resolve();
        });
      })
      .on("error", reject);
  });
}
