import createClient from "openapi-fetch";
import type { paths } from "./feather.js";

const baseUrl = process.env.SANDBOX_URL ?? "http://127.0.0.1:8000";
const client = createClient<paths>({ baseUrl, headers: { "x-api-key": "sk-test" } });

async function main(): Promise<void> {
  const { data, error, response } = await client.GET("/v1/analytics/sessions/escalation-rate", {
    params: { query: { start_date: "2026-03-02", end_date: "2026-03-08", granularity: "day" } },
  });
  if (error || !data) throw new Error(`unexpected ${response.status}`);
  const total = data.reduce((sum, row) => sum + row.total_sessions, 0);
  console.log(`${data.length} days, ${total} sessions, first rate ${data[0].escalation_rate_pct}%`);

  const refused = await createClient<paths>({ baseUrl, headers: { "x-api-key": "wrong" } }).GET("/v1/agents");
  const reason = refused.error && "error" in refused.error ? refused.error.error : "?";
  console.log(`wrong key: ${refused.response.status} ${reason}`);

  const invalid = await client.GET("/v1/agents", { params: { query: { limit: 0 } } });
  const where = invalid.error && "detail" in invalid.error ? invalid.error.detail?.[0]?.loc : undefined;
  console.log(`limit=0: ${invalid.response.status} ${JSON.stringify(where)}`);
}

main();
