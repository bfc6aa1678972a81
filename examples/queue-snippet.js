// The queue stub: calls made before widget.js has loaded are kept in Parley.q and replayed in order.
window.Parley =
  window.Parley ||
  function () {
    (window.Parley.q = window.Parley.q || []).push(arguments);
  };
