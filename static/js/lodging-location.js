/* Pick an establishment's location on a map: a click or tap fills the latitude and longitude
 * inputs, and typing in them moves the marker. Without this script the inputs still work. */
(function () {
  "use strict";
  var box = document.getElementById("location-map");
  if (!box || typeof L === "undefined") return;
  var latInput = document.getElementById(box.dataset.lat);
  var lonInput = document.getElementById(box.dataset.lon);
  var bounds = L.latLngBounds(JSON.parse(box.dataset.bounds));
  var map = L.map(box, { scrollWheelZoom: false, maxBounds: bounds.pad(0.2) });
  L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  var marker = null;

  function current() {
    var lat = parseFloat((latInput.value || "").replace(",", "."));
    var lon = parseFloat((lonInput.value || "").replace(",", "."));
    if (isNaN(lat) || isNaN(lon)) return null;
    return L.latLng(lat, lon);
  }

  function place(latlng, pan) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () { fill(marker.getLatLng()); });
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) map.setView(latlng, Math.max(map.getZoom(), 15));
  }

  function fill(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lonInput.value = latlng.lng.toFixed(6);
  }

  var start = current();
  if (start && bounds.contains(start)) {
    map.setView(start, 15);
    place(start, false);
  } else {
    map.fitBounds(bounds);
  }
  map.on("click", function (event) {
    if (!bounds.contains(event.latlng)) return;
    fill(event.latlng);
    place(event.latlng, false);
  });
  [latInput, lonInput].forEach(function (input) {
    input.addEventListener("change", function () {
      var typed = current();
      if (typed && bounds.contains(typed)) place(typed, true);
    });
  });
})();
