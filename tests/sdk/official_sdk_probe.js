// Runs Sage's official JavaScript SDK against the Intacct simulator and prints what each call returned.
// Loopback only: every *.intacct.com name resolves to 127.0.0.1 (the SDK accepts no other host) and every
// other name is refused, so nothing can leave the machine.
"use strict";
const dns = require("dns");
dns.lookup = (hostname, options, callback) => {
  if (typeof options === "function") { callback = options; options = {}; }
  if (!/(^|\.)intacct\.com$/.test(hostname)) { return callback(new Error(`refused lookup of ${hostname}`)); }
  if (options && options.all) { return callback(null, [{ address: "127.0.0.1", family: 4 }]); }
  return callback(null, "127.0.0.1", 4);
};
const IA = require("@intacct/intacct-sdk");
const { Query } = IA.Functions.Common.NewQuery;
const { Filter, AndOperator, OrOperator } = IA.Functions.Common.NewQuery.QueryFilter;
const { SelectBuilder } = IA.Functions.Common.NewQuery.QuerySelect;

async function attempt(name, out, work) {
  try {
    out[name] = await work();
  } catch (error) {
    out[name] = { error: error.message, errors: error.errors || null };
  }
}

async function main() {
  const port = process.argv[2];
  const config = new IA.ClientConfig();
  config.endpointUrl = `http://api.intacct.com:${port}/ia/xml/xmlgw.phtml`;
  config.senderId = "ExpenseInMPP";
  config.senderPassword = "Sender-Demo-1";
  config.companyId = "DEMO-CO";
  config.userId = "ws_expenses";
  config.userPassword = "Demo-Passw0rd!";
  const client = new IA.OnlineClient(config);
  const out = {};

  await attempt("readByQuery", out, async () => {
    const call = new IA.Functions.Common.ReadByQuery();
    call.objectName = "GLACCOUNT";
    call.pageSize = 2;
    call.query = "ACCOUNTNO >= '2000' AND NORMALBALANCE = 'credit'";
    const result = (await client.execute(call)).getResult();
    return { count: result.count, total: result.totalCount, remaining: result.numRemaining, resultId: result.resultId };
  });
  await attempt("readMore", out, async () => {
    const first = new IA.Functions.Common.ReadByQuery();
    first.objectName = "GLACCOUNT";
    first.pageSize = 2;
    const page = (await client.execute(first)).getResult();
    const more = new IA.Functions.Common.ReadMore();
    more.resultId = page.resultId;
    const next = (await client.execute(more)).getResult();
    return { count: next.count, remaining: next.numRemaining };
  });
  await attempt("query", out, async () => {
    const query = new Query()
      .assignSelectFields(new SelectBuilder().addFields(["ACCOUNTNO", "TITLE"]).selects)
      .assignFromObject("GLACCOUNT")
      .assignFilter(new OrOperator([new Filter("ACCOUNTNO").equalTo("1000"), new AndOperator([
        new Filter("TITLE").like("%Payable%"), new Filter("ACCOUNTNO").notEqualTo("2000")])]))
      .assignPageSize(100);
    const result = (await client.execute(query)).getResult();
    return { count: result.count, ids: result.data.map((record) => record.ACCOUNTNO) };
  });
  await attempt("count", out, async () => {
    const query = new Query()
      .assignSelectFields(new SelectBuilder().addCount("RECORDNO").selects)
      .assignFromObject("VENDOR");
    return (await client.execute(query)).getResult().data[0];
  });
  await attempt("read", out, async () => {
    const call = new IA.Functions.Common.Read();
    call.objectName = "VENDOR";
    call.keys = [21, 22];
    return (await client.execute(call)).getResult().count;
  });
  await attempt("readByName", out, async () => {
    const call = new IA.Functions.Common.ReadByName();
    call.objectName = "DEPARTMENT";
    call.names = ["D100"];
    return (await client.execute(call)).getResult().count;
  });
  await attempt("inspect", out, async () => {
    const call = new IA.Functions.Common.Inspect();
    call.objectName = "DEPARTMENT";
    return (await client.execute(call)).getResult().data.length;
  });
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.log(JSON.stringify({ fatal: error.message }));
  process.exit(1);
});
