#!/usr/bin/env python3
"""Renders compose/kubernetes (kubectl kustomize where kubectl exists, else this script's own
renderer of the few Kustomize features the base uses) and validates every object against the
Kubernetes schema with kubernetes-validate. Prints one JSON line: the renderer, the objects and
every problem found (docs/operations.md, "Kubernetes")."""
import argparse
import copy
import json
import os
import shutil
import subprocess

import yaml
import kubernetes_validate

# Kinds that live in a namespace (the base uses only these and Namespace).
NAMESPACED = {"Service", "StatefulSet", "Deployment", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap", "Secret"}


def own_render(directory):
    """resources, namespace, labels (metadata only) and images: what the base's kustomization uses."""
    k = yaml.safe_load(open(os.path.join(directory, "kustomization.yaml")))
    known = {"apiVersion", "kind", "namespace", "labels", "images", "resources"}
    unknown = set(k) - known
    if unknown:
        raise SystemExit(f"kustomization.yaml uses {sorted(unknown)}, which this renderer does not: extend it")
    images = {i["name"]: f'{i.get("newName", i["name"])}:{i["newTag"]}' if "newTag" in i else i.get("newName", i["name"])
              for i in k.get("images", [])}
    objects = []
    for resource in k["resources"]:
        for doc in yaml.safe_load_all(open(os.path.join(directory, resource))):
            if doc is None:
                continue
            doc = copy.deepcopy(doc)
            meta = doc.setdefault("metadata", {})
            if doc["kind"] in NAMESPACED and "namespace" in k:
                meta["namespace"] = k["namespace"]
            if doc["kind"] == "Namespace" and "namespace" in k:
                meta["name"] = k["namespace"]
            for group in k.get("labels", []):
                meta.setdefault("labels", {}).update(group["pairs"])
            spec = (doc.get("spec") or {}).get("template", {}).get("spec", {})
            for c in spec.get("containers", []) + spec.get("initContainers", []):
                c["image"] = images.get(c["image"], c["image"])
            objects.append(doc)
    return objects


def key(o):
    return (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--version", default="1.32.0")
    ap.add_argument("--without-kubectl", action="store_true", help="only this script's renderer, as on a machine without kubectl")
    args = ap.parse_args()
    problems = []
    ours = own_render(args.directory)
    renderer = "posy"
    objects = ours
    kubectl = None if args.without_kubectl else shutil.which("kubectl")
    if kubectl:
        out = subprocess.run([kubectl, "kustomize", args.directory], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            problems.append(f"kubectl kustomize failed: {out.stderr.strip()[:500]}")
        else:
            renderer = "kubectl"
            objects = [o for o in yaml.safe_load_all(out.stdout) if o]
            if sorted(map(key, objects)) != sorted(map(key, ours)):
                problems.append(f"kubectl renders {sorted(map(key, objects))}, this script {sorted(map(key, ours))}")
    for o in objects:
        try:
            kubernetes_validate.validate(o, args.version, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{o['kind']}/{o['metadata']['name']}: {e.message} at {'.'.join(map(str, e.path))}")
        except Exception as e:  # an unknown kind or version
            problems.append(f"{o['kind']}/{o['metadata']['name']}: {e}")
    print(json.dumps({"renderer": renderer, "version": args.version, "objects": objects, "problems": problems}))


if __name__ == "__main__":
    main()
