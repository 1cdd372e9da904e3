/* Markers, popups and controls of the maps folium builds (tourism/map/services.py).
 *
 * Rows come from the server as [lat, lon, name, slug, lang, image, detail]; popups are made
 * only when opened, and all visitor-facing text goes in through textContent. */
(function () {
  "use strict";

  var config = { lang: "", static: "/static/", links: {}, layers: {}, text: {}, images: [] };
  var icons = {};

  function pinIcon(layer, badge) {
    var key = layer + (badge ? ":" + badge : "");
    if (!icons[key]) {
      icons[key] = L.divIcon({
        className: "map-pin map-pin--" + layer + (badge ? " map-pin--numbered" : ""),
        html: badge ? "<span>" + Number(badge) + "</span>" : "",
        iconSize: [30, 30],
        iconAnchor: [15, 15],
        popupAnchor: [0, -14]
      });
    }
    return icons[key];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popup(layer, row) {
    var box = element("div", "map-popup");
    var link = (config.links[layer] || "").replace("__slug__", encodeURIComponent(row[3]));
    if (row[5] !== null && row[5] !== undefined) {
      var image = element("img", "map-popup__image");
      image.src = config.static + config.images[row[5]];
      image.alt = "";
      image.width = 120;
      image.height = 68;
      box.appendChild(image);
    }
    var title = element("a", "map-popup__title", row[2]);
    title.href = link;
    if (row[4]) title.lang = row[4];
    box.appendChild(title);
    box.appendChild(element("div", "map-popup__category", config.layers[layer] || ""));
    if (row[6]) box.appendChild(element("div", "map-popup__detail", row[6]));
    var more = element("a", "map-popup__more", config.text.open);
    more.href = link;
    box.appendChild(more);
    return box;
  }

  function marker(layer, row) {
    var pin = L.marker([row[0], row[1]], { icon: pinIcon(layer), title: row[2], alt: row[2] });
    pin.bindPopup(function () { return popup(layer, row); });
    return pin;
  }

  var LocateControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function (map) {
      var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control map-locate");
      var button = L.DomUtil.create("a", "map-locate__button", bar);
      var status = L.DomUtil.create("div", "map-locate__status", bar);
      var found = null;
      button.href = "#";
      button.setAttribute("role", "button");
      button.title = config.text.locate;
      button.setAttribute("aria-label", config.text.locate);
      status.setAttribute("role", "status");
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(button, "click", function (event) {
        L.DomEvent.preventDefault(event);
        status.textContent = config.text.locating;
        map.locate({ setView: true, maxZoom: 14, timeout: 15000 });
      });
      map.on("locationfound", function (event) {
        status.textContent = "";
        if (found) map.removeLayer(found);
        found = L.circleMarker(event.latlng, { radius: 8, className: "map-you" })
          .bindTooltip(config.text.here).addTo(map);
      });
      map.on("locationerror", function () {
        status.textContent = config.text.locateError;
      });
      return bar;
    }
  });

  window.TourismMap = {
    setup: function (map, options) {
      config = options;
      // Leaflet's default prefix carries an inline-styled flag, which the CSP refuses.
      map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
      new LocateControl().addTo(map);
    },
    marker: marker,
    here: function (layer, row) {
      var pin = L.marker([row[0], row[1]], {
        icon: L.divIcon({ className: "map-pin map-pin--here map-pin--" + layer, iconSize: [36, 36], iconAnchor: [18, 18] }),
        title: row[2], alt: row[2], zIndexOffset: 1000
      });
      return pin;
    },
    stop: function (_group, row) {
      // Stop rows add [number, category] to the usual row.
      var pin = L.marker([row[0], row[1]], { icon: pinIcon(row[8], row[7]), title: row[7] + ". " + row[2], alt: row[2] });
      pin.bindPopup(function () { return popup(row[8], row); });
      return pin;
    },
    cluster: function (layer, cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      return L.divIcon({
        html: "<span>" + count + "</span>",
        className: "marker-cluster map-cluster map-cluster--" + layer + " map-cluster--" + size,
        iconSize: L.point(40, 40)
      });
    }
  };
})();
