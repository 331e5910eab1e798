// Renders /openapi.json as a readable page (operations, answers, problem types, schemas); no dependencies.
"use strict";

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function refName(schema) {
  return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
}

function typeOf(schema) {
  if (!schema) return "";
  if (schema.$ref) return refName(schema);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array") return `${typeOf(schema.items)}[]`;
  return schema.type || "any";
}

function renderOperation(path, method, operation) {
  const section = element("section", undefined, "card");
  section.append(element("h2", `${method.toUpperCase()} ${path}`));
  section.append(element("p", `${operation.summary}. ${operation.description}`));
  const body = operation.requestBody;
  if (body) {
    const schema = body.content["application/json"].schema;
    section.append(element("p", `Body${body.required ? "" : " (optional)"}: ${typeOf(schema)}`));
  }
  const list = element("ul", undefined, "checklist");
  for (const [status, response] of Object.entries(operation.responses)) {
    const item = element("li", undefined, "check");
    const contents = Object.entries(response.content || {});
    const kinds = contents.map(([type, media]) => `${type}${media.schema ? ` ${typeOf(media.schema)}` : ""}`);
    item.append(element("strong", `${status} ${response.description}`), element("span", ` ${kinds.join(", ")}`));
    for (const [, media] of contents) {
      for (const [slug, example] of Object.entries(media.examples || {})) {
        item.append(element("p", `${slug}: ${example.summary}`, "remediation"));
      }
    }
    list.append(item);
  }
  section.append(list);
  return section;
}

function renderSchema(name, schema) {
  const section = element("section", undefined, "card");
  section.append(element("h3", name));
  if (schema.description) section.append(element("p", schema.description));
  const list = element("ul", undefined, "checklist");
  const required = new Set(schema.required || []);
  for (const [property, definition] of Object.entries(schema.properties || {})) {
    const optional = required.has(property) ? "" : " (optional)";
    const item = element("li", `${property}${optional}: ${typeOf(definition)}`, "check");
    if (definition.description) item.append(element("p", definition.description, "remediation"));
    list.append(item);
  }
  section.append(list);
  if (schema.oneOf) {
    section.append(element("p", "One of:"));
    const alternatives = element("ul", undefined, "checklist");
    for (const option of schema.oneOf) {
      alternatives.append(element("li", `${option.title}: ${option.description}`, "check"));
    }
    section.append(alternatives);
  }
  return section;
}

document.addEventListener("DOMContentLoaded", async () => {
  const response = await fetch("/openapi.json");
  const document_ = await response.json();
  document.getElementById("title").textContent = `${document_.info.title} — API ${document_.info.version}`;
  const operations = document.getElementById("operations");
  for (const [path, methods] of Object.entries(document_.paths)) {
    for (const [method, operation] of Object.entries(methods)) operations.append(renderOperation(path, method, operation));
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries(document_.components.schemas)) schemas.append(renderSchema(name, schema));
});
