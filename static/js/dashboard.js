// The dashboard's charts (Chart.js) and map (Leaflet), drawn from the JSON the page carries.
// A count hidden for privacy arrives as null and is drawn as nothing.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const palette = ["#0b5ed7", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#6c757d"];

  if (window.Chart) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.maintainAspectRatio = false;
    const draw = (id, config) => {
      const canvas = document.getElementById(id);
      if (canvas) canvas.chart = new Chart(canvas, config);
    };
    draw("chart-meetings", {
      type: "bar",
      data: {
        labels: data.months,
        datasets: [
          { label: data.meetings.labels[0], data: data.meetings.held, backgroundColor: palette[0] },
          { label: data.meetings.labels[1], data: data.meetings.expected, backgroundColor: "#ced4da" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    draw("chart-people", {
      type: "bar",
      data: {
        labels: data.people.bands,
        datasets: data.people.series.map((series, index) => ({
          label: series.label, data: series.data, backgroundColor: palette[index + 2],
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    draw("chart-plans", {
      type: "doughnut",
      data: { labels: data.plans.labels, datasets: [{ data: data.plans.data, backgroundColor: palette }] },
    });
  }

  const box = document.getElementById("dashboard-map");
  if (box && window.L) {
    // The communities come from their own address (1,500 at national scale): the page itself
    // stays light, and a phone that never scrolls to the map does not wait for them.
    fetch(box.dataset.source, { credentials: "same-origin" })
      .then((response) => response.json())
      .then(({ places, labels }) => drawMap(box, places, labels))
      .catch(() => {});
  }
});

function drawMap(box, rows, labels) {
  const places = rows.map(([name, lat, lon, status, id]) => (
    { name, lat, lon, status, id, status_label: labels[status] }
  ));
  if (places.length) {
    const map = L.map(box, { scrollWheelZoom: false });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
    }
    const colours = {
      active: "#198754", reestablished: "#20c997", forming: "#0d6efd",
      suspended: "#fd7e14", ceased: "#6c757d", independent: "#0a58ca", completed: "#adb5bd",
    };
    // Ukraine's outline under the communities (static/vendor/ukraine): the map says where
    // they are even with no tile server, and is drawn before the markers so it stays under them.
    const outline = box.dataset.outline
      ? fetch(box.dataset.outline).then((response) => response.json()).then((shape) => {
        const layer = L.geoJSON(shape, {
          interactive: false,
          style: (feature) => feature.properties.kind === "border"
            ? { color: "#0b3d6e", weight: 1.5, opacity: 0.9, fill: false }
            : { stroke: false, fillColor: "#ffd500", fillOpacity: 0.12 },
        }).addTo(map);
        layer.bringToBack();
      }).catch(() => {})
      : Promise.resolve();
    const bounds = [];
    const shown = new Map();
    const labelled = places.length <= 15;
    for (const place of places) {
      const marker = L.circleMarker([place.lat, place.lon], {
        radius: 8, weight: 1, color: "#333", fillOpacity: 0.85,
        fillColor: colours[place.status] || "#6c757d",
      }).addTo(map);
      const link = document.createElement("a");
      link.href = `?${box.dataset.query}&community=${place.id}`;
      link.textContent = place.name;
      const label = document.createElement("div");
      label.append(link, document.createElement("br"), place.status_label);
      marker.bindPopup(label);
      // Names beside the markers when they are few enough to read; on hover otherwise.
      marker.bindTooltip(place.name, { permanent: labelled, direction: "right", offset: [8, 0] });
      shown.set(place.status, place.status_label);
      bounds.push([place.lat, place.lon]);
    }
    const legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const list = L.DomUtil.create("div", "map-legend");
      list.setAttribute("aria-label", box.dataset.legend);
      for (const [status, text] of shown) {
        const line = L.DomUtil.create("div", "", list);
        const dot = L.DomUtil.create("span", "map-legend-dot", line);
        dot.style.background = colours[status] || "#6c757d";
        line.append(` ${text}`);
      }
      return list;
    };
    legend.addTo(map);
    // Without tiles, not closer than a region's scale: the country's border gives the place.
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: box.dataset.tiles ? 10 : 7 });
    outline.then(() => { box.dataset.ready = "1"; });
  }
}
