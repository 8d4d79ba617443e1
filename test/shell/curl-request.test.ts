/**
 * `curl -X METHOD` (`--request`): the method curl sends, whatever the other flags would choose,
 * seen on the wire (`-v`), by the server (405 for a method it does not serve) and in `-w`.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { deterministicBytes } from "../../src/apps/deterministic-bytes.js";
import { labShell } from "../support/lab-shell.js";

const LAB = `name: methods
topology:
  nodes:
    s1: {kind: switch}
    h1: {kind: host}
    srv: {kind: server}
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
    - endpoints: ["srv:eth0", "s1:eth2"]
`;

async function lab() {
  const { run, fs } = labShell(LAB, { seed: 3, file: "methods.yml" });
  assert.equal((await run("srv httpd")).status, 0);
  return { run, fs };
}

test("curl -X sends the method asked for: on the wire, to the server, in -w", async () => {
  const { run, fs } = await lab();
  const wire = await run("h1 curl -s -v -X DELETE -o /dev/null -w '%{http_code} %{method}\\n' srv/upload");
  assert.match(wire.err, /^> DELETE \/upload HTTP\/1\.1$/m);
  assert.equal(wire.out, "405 DELETE\n", "the upload service takes only POST");

  // -X POST with a body from a file: the upload answers the body's sha-256.
  const payload = deterministicBytes(9, 40_000);
  fs.files.set("up.bin", payload);
  const post = await run("h1 curl -s -X POST --data-binary @up.bin srv/upload");
  assert.equal(post.status, 0, post.err);
  assert.equal(post.out, `${createHash("sha256").update(payload).digest("hex")}\n`);

  // --request, the long form, overrides the POST a body would imply.
  const put = await run(
    "h1 curl -s -v --request PUT --data-binary @up.bin -o /dev/null -w '%{method}' srv/upload",
  );
  assert.match(put.err, /^> PUT \/upload HTTP\/1\.1$/m);
  assert.equal(put.out, "PUT");
  assert.equal((await run("h1 curl -s -X")).status, 2, "-X needs a value");
});
