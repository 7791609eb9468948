// The 处置台 (incidents.html, incident.html): live countdowns to every deadline.
(function(){'use strict';yq.countdowns();})();
