// Calls a site makes before the widget has loaded: opening it and listening to its events.
window.Parley('open');
window.Parley('on', 'message', function (message) {
  var item = document.createElement('li');
  item.textContent = message.author.role + ': ' + message.text;
  document.getElementById('events').append(item);
});
