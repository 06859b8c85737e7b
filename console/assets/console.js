// The console's only script of its own: shows <time datetime> in the viewer's time zone, on load
// and after every htmx swap. Without it, times stay in UTC, as rendered.
(function () {
  'use strict';
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  function localise(root) {
    var times = (root || document).querySelectorAll('time[datetime][data-local]');
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute('datetime'));
      if (!isNaN(when.getTime())) {
        times[i].textContent = format.format(when);
        times[i].title = times[i].getAttribute('datetime');
      }
    }
  }
  document.addEventListener('DOMContentLoaded', function () { localise(document); });
  document.addEventListener('htmx:afterSettle', function (e) { localise(e.target); });
  document.addEventListener('htmx:sseMessage', function (e) { localise(e.target); });
})();
