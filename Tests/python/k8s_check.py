#!/usr/bin/env python3
"""Renders a kustomization of compose/kubernetes (kubectl kustomize where kubectl exists, else this script's own
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
NAMESPACED = {
    "Service", "StatefulSet", "Deployment", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap", "Secret", "CronJob", "Job",
    "PersistentVolumeClaim",
}


def pod_spec(o):
    """The pod template's spec of a workload (a CronJob's through its job template), or None."""
    spec = o.get("spec") or {}
    if o.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec")


def merge(base, patch):
    """A strategic merge as Kustomize does it for these patches: maps merge, lists of named items
    merge by name, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in base + patch):
        out = [dict(i) for i in base]
        for item in patch:
            same = [n for n, i in enumerate(out) if i["name"] == item["name"]]
            if same:
                out[same[0]] = merge(out[same[0]], item)
            else:
                out.append(item)
        return out
    return patch


def load(directory):
    return yaml.safe_load(open(os.path.join(directory, "kustomization.yaml")))


def own_render(directory):
    """resources (files and other kustomizations), components with their patches, namespace,
    labels (metadata only) and images: what compose/kubernetes uses."""
    k = load(directory)
    known = {"apiVersion", "kind", "namespace", "labels", "images", "resources", "components", "patches"}
    unknown = set(k) - known
    if unknown:
        raise SystemExit(f"{directory}/kustomization.yaml uses {sorted(unknown)}, which this renderer does not: extend it")
    images = {i["name"]: f'{i.get("newName", i["name"])}:{i["newTag"]}' if "newTag" in i else i.get("newName", i["name"])
              for i in k.get("images", [])}
    objects = []
    for resource in k.get("resources", []):
        path = os.path.join(directory, resource)
        if os.path.isdir(path):
            objects += own_render(path)
            continue
        objects += [copy.deepcopy(doc) for doc in yaml.safe_load_all(open(path)) if doc is not None]
    patches = [os.path.join(directory, p["path"]) for p in k.get("patches", [])]
    for component in k.get("components", []):
        cdir = os.path.join(directory, component)
        c = load(cdir)
        for resource in c.get("resources", []):
            objects += [copy.deepcopy(doc) for doc in yaml.safe_load_all(open(os.path.join(cdir, resource))) if doc is not None]
        for i in c.get("images", []):
            images[i["name"]] = f'{i.get("newName", i["name"])}:{i["newTag"]}' if "newTag" in i else i.get("newName", i["name"])
        patches += [os.path.join(cdir, p["path"]) for p in c.get("patches", [])]
    for path in patches:
        for patch in yaml.safe_load_all(open(path)):
            target = [n for n, o in enumerate(objects) if o["kind"] == patch["kind"] and o["metadata"]["name"] == patch["metadata"]["name"]]
            if not target:
                raise SystemExit(f"{path}: no {patch['kind']} {patch['metadata']['name']} to patch")
            objects[target[0]] = merge(objects[target[0]], patch)
    for doc in objects:
        meta = doc.setdefault("metadata", {})
        if doc["kind"] in NAMESPACED and "namespace" in k:
            meta["namespace"] = k["namespace"]
        if doc["kind"] == "Namespace" and "namespace" in k:
            meta["name"] = k["namespace"]
        for group in k.get("labels", []):
            meta.setdefault("labels", {}).update(group["pairs"])
        spec = pod_spec(doc) or {}
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            c["image"] = images.get(c["image"], c["image"])
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
            # The same containers, images and volumes in every workload, whoever rendered it.
            def shape(objs):
                out = {}
                for o in objs:
                    spec = pod_spec(o)
                    if spec:
                        out[key(o)] = sorted((c["name"], c["image"]) for c in spec.get("containers", []) + spec.get("initContainers", [])) + \
                            sorted(v["name"] for v in spec.get("volumes", []))
                return out
            if shape(objects) != shape(ours):
                problems.append("kubectl and this script render different containers, images or volumes")
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
