// The reference admin screen for the Sage Intacct connection: the public API only (see /openapi.json).
"use strict";

const FIELD_LABELS = {
  auth_method: "Sign-in method",
  company_id: "Company ID",
  entity_id: "Entity ID",
  user_id: "User ID",
  user_password: "User Password",
  confirm_company_change: "Company change confirmation",
  confirm_sign_in_reset: "Sign-in reset confirmation",
  provider: "Provider",
};
const CHECK_LABELS = { ok: "OK", missing: "Missing", not_subscribed: "Not subscribed", unknown: "Unknown" };
const METHOD_LABELS = {
  client_credentials: "Client credentials",
  password: "Web Services user and password",
};
// Reasons for which Intacct (or the sign-in guard) refused before anything else could be looked at: the
// checklist's unknown items then all share this one cause, said once.
const REFUSALS = {
  INVALID_CREDENTIALS: "Intacct refused the sign-in",
  SIGN_IN_BLOCKED: "we stopped signing in as this user",
  CLIENT_APP_NOT_AUTHORIZED: "Intacct refused our client application's token request",
  COMPANY_REFUSED_APPLICATION: "Intacct refused our application for this company",
  USER_CONNECTED_ELSEWHERE: "this Intacct user is connected through another account",
  SENDER_NOT_AUTHORIZED: "Intacct refused our requests for this company",
  WEB_SERVICES_DISABLED: "Intacct refused our requests for this company",
  COMPANY_EXPIRED: "Intacct refused our requests for this company",
  ENTITY_INVALID: "the entity could not be opened",
};
const HEALTH_LABELS = {
  OK: "OK",
  DEGRADED: "Degraded: the last check could not complete",
  UNKNOWN: "Not checked yet",
};

const state = { token: null, tenant: null, role: null, connection: null, clientId: undefined, signIn: null };
const $ = (id) => document.getElementById(id);

class ApiProblem extends Error {
  constructor(status, body, retryAfter) {
    super(describeProblem(status, body, retryAfter));
    this.status = status;
    this.slug = body && typeof body.type === "string" ? body.type.replace("/problems/", "") : null;
    this.body = body || {};
  }
}

function describeProblem(status, body, retryAfter) {
  if (body && typeof body.detail === "string") {
    let text = body.detail.charAt(0).toUpperCase() + body.detail.slice(1);
    if (Array.isArray(body.errors) && body.errors.length) {
      const fields = body.errors.map((e) => `${FIELD_LABELS[e.field] || "A field"} ${e.message}`);
      text += `: ${fields.join("; ")}`;
    }
    if (retryAfter) text += ` Try again in ${retryAfter} seconds.`;
    return text.endsWith(".") ? text : `${text}.`;
  }
  if (status === 401) return "Your session is not valid any more: sign in again.";
  return `The request failed (HTTP ${status}). Try again.`;
}

async function api(method, path, body, extraHeaders = {}) {
  const headers = { Authorization: `Bearer ${state.token}`, ...extraHeaders };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiProblem(0, { detail: "the service could not be reached; check that `make run` is running" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new ApiProblem(response.status, data, response.headers.get("Retry-After"));
  return data;
}

function showNotice(text, kind = "error") {
  const notice = $("notice");
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = !text;
}

function progress(text) {
  $("progress").textContent = text || "";
}

function formatTime(value) {
  if (!value) return "Never";
  const date = new Date(value);
  return `${date.toLocaleString()} (${date.toISOString().replace("T", " ").slice(0, 19)} UTC)`;
}

function setText(id, value) {
  $(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
}

// Rendering ---------------------------------------------------------------------------------------------

function render() {
  const connection = state.connection;
  const isAdmin = state.role === "admin";
  const badge = $("status-badge");
  badge.dataset.status = connection ? connection.status : "NONE";
  badge.textContent = connection ? connection.status_label : "Not connected";
  $("connect-button").hidden = Boolean(connection);
  $("connect-button").disabled = !isAdmin;
  $("menu-button").hidden = !connection;
  $("menu-button").disabled = !isAdmin;
  $("message").textContent = connection
    ? connection.message || (connection.status === "AWAITING_CREDENTIALS" ? "Enter the credentials: ⋮ > Edit Credentials." : "")
    : isAdmin
      ? "Not connected. Connect to start."
      : "Not connected. An admin of your company can connect Sage Intacct.";
  $("facts").hidden = !connection;
  $("missing-section").hidden = true;
  $("checklist-section").hidden = true;
  $("history-section").hidden = !connection;
  if (!connection) return;

  const usesClient = connection.auth_method === "client_credentials";
  setText("fact-method", connection.company_id ? METHOD_LABELS[connection.auth_method] : "");
  $("fact-attempts-wrap").hidden = usesClient; // no password: no sign-in budget applies
  setText("fact-health", connection.health_reason
    ? `${HEALTH_LABELS[connection.health]} (${connection.health_reason})`
    : HEALTH_LABELS[connection.health]);
  setText("fact-verified", formatTime(connection.last_verified_at));
  setText("fact-attempts", connection.sign_in_attempts_left);
  setText("fact-company", connection.company_id);
  setText("fact-entity", connection.entity_id || (connection.company_id ? "Top level" : ""));
  setText("fact-user", connection.user_id);

  const missing = $("missing");
  missing.replaceChildren(
    ...connection.missing_permissions.map((p) => {
      const item = document.createElement("li");
      item.textContent = `${p.application} > ${p.activity} > ${p.permission}`;
      return item;
    }),
  );
  $("missing-section").hidden = connection.missing_permissions.length === 0;

  const cause = refusalCause(connection);
  const unchecked = cause ? connection.checks.filter((check) => check.status === "unknown") : [];
  $("checklist").replaceChildren(
    ...connection.checks.filter((check) => !unchecked.includes(check)).map(checkItem),
  );
  const details = $("unchecked");
  const shown = `${connection.id}:${connection.version}:${unchecked.length}`;
  if (details.dataset.shown !== shown) details.open = false; // collapsed again for a new result only
  details.dataset.shown = shown;
  details.hidden = unchecked.length === 0;
  $("unchecked-summary").textContent =
    `${unchecked.length} ${unchecked.length === 1 ? "item" : "items"} could not be checked because ${cause}.`;
  $("unchecked-list").replaceChildren(
    ...unchecked.map((check) => {
      const item = document.createElement("li");
      item.textContent = check.label;
      return item;
    }),
  );
  $("checklist-section").hidden = connection.checks.length === 0;
}

function checkItem(check) {
  const item = document.createElement("li");
  item.className = "check";
  item.dataset.status = check.status;
  const status = document.createElement("span");
  status.className = "check-status";
  status.textContent = CHECK_LABELS[check.status] || check.status;
  const label = document.createElement("span");
  label.className = "check-label";
  label.textContent = check.label;
  item.append(status, label);
  if (check.remediation) {
    const fix = document.createElement("p");
    fix.className = "remediation";
    fix.textContent = check.remediation;
    item.append(fix);
  }
  return item;
}

// Why the checklist's unknown items could not be checked, when one refusal explains them all; else null.
function refusalCause(connection) {
  if (REFUSALS[connection.reason]) return REFUSALS[connection.reason];
  const signIn = state.signIn;
  if (signIn && signIn.id === connection.id && signIn.version === connection.version && signIn.outcome === "refused") {
    return connection.auth_method === "client_credentials"
      ? "Intacct refused the token request"
      : "Intacct refused the sign-in";
  }
  return null;
}

function renderHistory(entries) {
  $("history").replaceChildren(
    ...entries
      .slice()
      .reverse()
      .map((entry) => {
        const item = document.createElement("li");
        const change = entry.from_status && entry.from_status !== entry.to_status
          ? `${entry.from_status} → ${entry.to_status}`
          : entry.to_status;
        const parts = [formatTime(entry.at), entry.trigger, change];
        if (entry.reason) parts.push(entry.reason);
        if (entry.sign_in) parts.push(`sign-in ${entry.sign_in}`);
        if (entry.detail) parts.push(entry.detail);
        item.textContent = parts.join(" · ");
        return item;
      }),
  );
}

// Loading -----------------------------------------------------------------------------------------------

async function load() {
  const { connections } = await api("GET", "/connections");
  state.connection = connections.find((c) => c.status !== "DISCONNECTED") || null;
  render();
  if (state.connection) {
    const { history } = await api("GET", `/connections/${state.connection.id}/history`);
    renderHistory(history);
  }
}

async function run(label, work) {
  showNotice("");
  progress(label);
  try {
    await work();
  } catch (error) {
    showNotice(error.message || String(error));
  } finally {
    progress("");
  }
}

// Sign-in (local tokens only) -----------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const tenant = $("tenant").value.trim();
  const role = $("role").value;
  await run("Signing in…", async () => {
    const response = await fetch("/_local/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tenant, role }),
    });
    const body = await response.json();
    if (!response.ok) throw new ApiProblem(response.status, body);
    Object.assign(state, { token: body.token, tenant, role, connection: null });
    $("whoami").textContent = `Signed in to tenant ${tenant} as ${role === "admin" ? "an admin" : "a member"}.`;
    $("connections").hidden = false;
    state.clientId = undefined;
    state.signIn = null;
    await Promise.all([load(), loadClientId()]);
  });
}

// Actions -----------------------------------------------------------------------------------------------

async function connect() {
  await run("Connecting…", async () => {
    const key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
    state.connection = await api("POST", "/connections", { provider: "sage_intacct" }, { "Idempotency-Key": key });
    render();
    await load();
  });
}

// Our client application's client ID (public), which the customer's admin authorizes in Intacct; null when
// the service has none configured, undefined until read.
async function loadClientId() {
  if (state.clientId !== undefined) return;
  try {
    const answer = await api("GET", "/intacct/client-application");
    state.clientId = answer.client_id || null;
  } catch (error) {
    state.clientId = undefined; // asked again when the form opens
  }
}

function selectedMethod() {
  return $("method-client").checked ? "client_credentials" : "password";
}

function renderClientPrerequisite() {
  const text = $("client-prerequisite-text");
  if (state.clientId === undefined) {
    text.textContent = "Our client ID could not be read; reopen this form to try again.";
    return;
  }
  if (state.clientId === null) {
    text.textContent =
      "This service has no Intacct client application configured, so client credentials cannot be used here. " +
      "Use the Web Services user and password.";
    return;
  }
  const id = document.createElement("code");
  id.id = "client-id";
  id.textContent = state.clientId;
  text.replaceChildren(
    "Add our client ID ",
    id,
    " under Company > Setup > Configuration > Company, Security tab > Authorized client applications, " +
      "with Status Active, and link it to the Web Services user you enter below. That user needs the same " +
      "16 permissions as with a password, and the company still needs Web Services and our Sender ID.",
  );
}

function showMethod() {
  const method = selectedMethod();
  const client = method === "client_credentials";
  $("client-prerequisite").hidden = !client;
  $("password-wrap").hidden = client; // no password field at all for client credentials
  $("user_password").disabled = client;
  if (client) $("user_password").value = "";
  const connection = state.connection;
  const switching = Boolean(connection.company_id) && connection.auth_method !== method;
  const note = $("switch-note");
  note.hidden = !switching;
  note.textContent = client
    ? "Saving checks the client credentials first; once they connect, the stored password is deleted at once."
    : "From now on the connection signs in with this password, kept in our secret store.";
}

async function openCredentials() {
  closeMenu(false);
  await loadClientId();
  const connection = state.connection;
  const form = $("credentials-form");
  form.reset();
  const available = Boolean(state.clientId);
  $("method-client").disabled = !available;
  const method = connection.company_id ? connection.auth_method : available ? "client_credentials" : "password";
  $(method === "client_credentials" && available ? "method-client" : "method-password").checked = true;
  renderClientPrerequisite();
  showMethod();
  $("company_id").value = connection.company_id || "";
  $("entity_id").value = connection.entity_id || "";
  $("user_id").value = connection.user_id || "";
  $("user_password").value = ""; // never pre-filled: the API never returns it
  $("form-errors").hidden = true;
  $("confirm-company-wrap").hidden = true;
  $("confirm-reset-wrap").hidden = true;
  const picker = $("entity_picker");
  const entities = connection.entities || [];
  $("entity-picker-wrap").hidden = entities.length === 0;
  const top = new Option("Top level (no entity)", "");
  picker.replaceChildren(top, ...entities.map((e) => new Option(`${e.id} — ${e.name}`, e.id)));
  picker.value = entities.some((e) => e.id === connection.entity_id) ? connection.entity_id : "";
  $("credentials-dialog").showModal();
  $(selectedMethod() === "client_credentials" ? "method-client" : "method-password").focus();
}

async function saveCredentials(event) {
  event.preventDefault();
  const errors = $("form-errors");
  errors.hidden = true;
  const method = selectedMethod();
  const body = {
    auth_method: method,
    company_id: $("company_id").value,
    entity_id: $("entity_id").value,
    user_id: $("user_id").value,
  };
  const required = ["company_id", "user_id"];
  if (method === "password") {
    body.user_password = $("user_password").value; // never sent with client credentials: the API refuses it
    required.push("user_password");
  }
  const missing = required.filter((name) => !body[name].trim());
  if (missing.length) {
    errors.textContent = `Fill in ${missing.map((name) => FIELD_LABELS[name]).join(", ")}.`;
    errors.hidden = false;
    $(missing[0]).focus();
    return;
  }
  if ($("confirm_company_change").checked) body.confirm_company_change = true;
  if ($("confirm_sign_in_reset").checked) body.confirm_sign_in_reset = true;
  $("save-button").disabled = true;
  progress("Saving and verifying with Intacct…");
  try {
    const answer = await api("PUT", `/connections/${state.connection.id}/credentials`, body);
    $("user_password").value = "";
    $("credentials-dialog").close();
    remember(answer);
    render();
    showVerification(answer.verification);
    await load();
  } catch (error) {
    if (error.slug === "company-change-not-confirmed") $("confirm-company-wrap").hidden = false;
    if (error.slug === "sign-in-budget-spent") $("confirm-reset-wrap").hidden = false;
    errors.textContent = error.message;
    errors.hidden = false;
  } finally {
    $("save-button").disabled = false;
    progress("");
  }
}

// An edit's or verify's answer: the connection, and what its sign-in told (for the checklist's wording).
function remember(answer) {
  state.connection = answer;
  const verification = answer.verification;
  state.signIn = verification
    ? { id: answer.id, version: answer.version, outcome: verification.sign_in }
    : null;
}

function showVerification(verification) {
  if (!verification) return;
  if (!verification.completed) {
    showNotice(`The check could not finish: ${verification.message || verification.reason}`, "warning");
  } else if (verification.outcome === "connected") {
    showNotice(verification.message || "Connected.", "success");
  } else {
    showNotice(verification.message || "Action required.", "error");
  }
}

async function verifyNow() {
  closeMenu(false);
  await run("Verifying with Intacct…", async () => {
    const answer = await api("POST", `/connections/${state.connection.id}/verify`, {});
    remember(answer);
    render();
    showVerification(answer.verification);
    await load();
  });
}

function askDisconnect() {
  closeMenu(false);
  const password = state.connection.auth_method === "password" && state.connection.company_id;
  $("disconnect-text").textContent =
    "Expenses and invoices stop being posted to Intacct. " +
    (password ? "The stored password is deleted; the history is kept." : "The history is kept.") +
    " You can connect again later.";
  $("disconnect-dialog").showModal();
  $("disconnect-cancel").focus();
}

async function disconnect() {
  $("disconnect-dialog").close();
  await run("Disconnecting…", async () => {
    await api("DELETE", `/connections/${state.connection.id}`);
    state.connection = null;
    await load();
    showNotice("Sage Intacct is disconnected.", "success");
  });
}

// The three-dots menu: a menu button (Enter/Space/ArrowDown open it, Escape closes it, arrows move) ---------

function menuItems() {
  return [...$("menu").querySelectorAll("[role=menuitem]")];
}

function openMenu() {
  $("menu").hidden = false;
  $("menu-button").setAttribute("aria-expanded", "true");
  menuItems()[0].focus();
}

function closeMenu(returnFocus = true) {
  $("menu").hidden = true;
  $("menu-button").setAttribute("aria-expanded", "false");
  if (returnFocus) $("menu-button").focus();
}

function onMenuKey(event) {
  const items = menuItems();
  const index = items.indexOf(document.activeElement);
  if (event.key === "Escape") {
    event.preventDefault();
    closeMenu();
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    items[(index + step + items.length) % items.length].focus();
  } else if (event.key === "Home" || event.key === "End") {
    event.preventDefault();
    items[event.key === "Home" ? 0 : items.length - 1].focus();
  } else if (event.key === "Tab") {
    closeMenu(false);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  $("connect-button").addEventListener("click", connect);
  $("menu-button").addEventListener("click", () => ($("menu").hidden ? openMenu() : closeMenu()));
  $("menu-button").addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      openMenu();
    }
  });
  $("menu").addEventListener("keydown", onMenuKey);
  document.addEventListener("click", (event) => {
    if (!$("menu").hidden && !event.target.closest(".menu-wrap")) closeMenu(false);
  });
  $("menu-edit").addEventListener("click", openCredentials);
  $("menu-verify").addEventListener("click", verifyNow);
  $("menu-disconnect").addEventListener("click", askDisconnect);
  $("credentials-form").addEventListener("submit", saveCredentials);
  $("method-client").addEventListener("change", showMethod);
  $("method-password").addEventListener("change", showMethod);
  $("cancel-button").addEventListener("click", () => $("credentials-dialog").close());
  $("entity_picker").addEventListener("change", () => {
    $("entity_id").value = $("entity_picker").value;
  });
  $("disconnect-cancel").addEventListener("click", () => $("disconnect-dialog").close());
  $("disconnect-confirm").addEventListener("click", disconnect);
});
