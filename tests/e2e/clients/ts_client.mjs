// Drives an MCP server with the official TypeScript SDK client
// (@modelcontextprotocol/client 2.x, installed by tests/run.sh into .tools/) and prints
// what came back as one JSON document for tests/e2e/test_typescript_clients.py.
//
// node ts_client.mjs NODE_MODULES stdio|http COMMAND_OR_URL REVISION
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [modules, transportKind, target, revision] = process.argv.slice(2);
const load = (file) => import(pathToFileURL(join(modules, "@modelcontextprotocol/client/dist", file)).href);
const { Client, StreamableHTTPClientTransport } = await load("index.mjs");
const { StdioClientTransport } = await load("stdio.mjs");

// 2025-11-25: the plain initialize handshake; 2026-07-28: pinned, so anything but a
// server that offers it in server/discover fails loudly.
const versionNegotiation = revision === "2025-11-25" ? { mode: "legacy" } : { mode: { pin: revision } };
const client = new Client({ name: "mcpgen-e2e-ts", version: "1.0.0" }, { versionNegotiation });
const transport =
  transportKind === "stdio"
    ? new StdioClientTransport({ command: target, args: ["serve", "--stdio"], stderr: "ignore" })
    : new StreamableHTTPClientTransport(new URL(target));
await client.connect(transport);

const out = { server: client.getServerVersion(), instructions: client.getInstructions() };
out.tools = (await client.listTools()).tools;
// callTool validates structuredContent against the tool's outputSchema.
out.success = await client.callTool({ name: "get_forecast", arguments: { city: "Zurich", days: 2 } });
out.declared = await client.callTool({ name: "get_forecast", arguments: { city: "Atlantis" } });
out.invalid = await client.callTool({ name: "get_forecast", arguments: { city: "Zurich", days: 99 } });
try {
  await client.callTool({ name: "get_weather", arguments: {} });
  out.unknown = "no error";
} catch (error) {
  out.unknown = { code: error.code, message: String(error.message) };
}
out.resources = (await client.listResources()).resources;
out.templates = (await client.listResourceTemplates()).resourceTemplates;
out.read = await client.readResource({ uri: "weather://city/Oslo/now" });
out.prompts = (await client.listPrompts()).prompts;
out.prompt = await client.getPrompt({ name: "packing_list", arguments: { city: "Oslo", days: "3" } });
await client.close();
console.log(JSON.stringify(out));
