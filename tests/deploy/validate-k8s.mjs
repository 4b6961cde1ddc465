// SPDX-License-Identifier: MIT
// Validates Kubernetes objects against the OpenAPI schemas of the kubernetes-models packages.
//
// Usage: node validate-k8s.mjs NODE_MODULES FILE...
//   Each FILE holds one or more YAML documents. Kustomization files are checked apart: every
//   resource they list must exist. Prints one line per object, `ok KIND NAME FILE` or
//   `invalid KIND NAME FILE: reason`, and `objects: N valid, M invalid` last; exits 1 if an
//   object is invalid or of a kind no package knows.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const { parseAllDocuments } = await import(pathToFileURL(join(modules, "yaml/dist/index.js")));

// apiVersion -> the package directory holding its models
function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com")
    return join(modules, "@kubernetes-models/prometheus-operator", group, version, `${kind}.js`);
  return join(modules, "kubernetes-models", group || "", version, `${kind}.js`);
}

let valid = 0;
let invalid = 0;
for (const file of files) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length) {
      console.log(`invalid YAML - ${file}: ${doc.errors[0].message}`);
      invalid++;
      continue;
    }
    const obj = doc.toJS();
    if (!obj) continue;
    const name = obj.metadata?.name ?? "-";
    if (obj.kind === "Kustomization") {
      const missing = (obj.resources ?? []).filter((r) => !existsSync(join(dirname(file), r)));
      if (obj.apiVersion !== "kustomize.config.k8s.io/v1beta1" || missing.length) {
        console.log(`invalid Kustomization - ${file}: missing resources ${missing.join(", ")}`);
        invalid++;
      } else {
        console.log(`ok Kustomization - ${file}`);
        valid++;
      }
      continue;
    }
    const path = obj.apiVersion && obj.kind ? modelPath(obj.apiVersion, obj.kind) : "";
    if (!path || !existsSync(path)) {
      console.log(`invalid ${obj.kind} ${name} ${file}: no model for ${obj.apiVersion} ${obj.kind}`);
      invalid++;
      continue;
    }
    const Model = (await import(pathToFileURL(path)))[obj.kind];
    try {
      new Model(obj).validate();
      console.log(`ok ${obj.kind} ${name} ${file}`);
      valid++;
    } catch (e) {
      const detail = e.errors ? JSON.stringify(e.errors.slice(0, 3)) : e.message;
      console.log(`invalid ${obj.kind} ${name} ${file}: ${detail}`);
      invalid++;
    }
  }
}
console.log(`objects: ${valid} valid, ${invalid} invalid`);
process.exit(invalid ? 1 : 0);
