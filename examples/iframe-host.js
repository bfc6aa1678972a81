// The embedding page's side of the iframe API (the same logic as `connectFrame` in the npm package):
// commands go only to the server's origin, events are accepted only from it and from that iframe.
(function () {
  var frame = document.getElementById('chat');
  var origin = new URL(frame.dataset.server).origin;
  window.parleyFrame = {
    call: function (command) {
      frame.contentWindow.postMessage({ parley: 1, command: command, args: [].slice.call(arguments, 1) }, origin);
    },
  };
  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    if (!event.data || event.data.parley !== 1) return;
    var item = document.createElement('li');
    var detail = event.data.detail || {};
    item.textContent = event.data.event + (detail.text || detail.code ? ': ' + (detail.text || detail.code) : '');
    document.getElementById('events').append(item);
  });
})();
