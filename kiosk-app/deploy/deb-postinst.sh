#!/bin/sh
# After installing the .deb: the kiosk's user, its data and configuration folders, and the systemd unit.
set -e
if ! getent passwd lophoc-kiosk >/dev/null; then
  useradd --system --create-home --home-dir /var/lib/lophoc-kiosk --shell /usr/sbin/nologin lophoc-kiosk
fi
usermod -a -G dialout,lp,video,input lophoc-kiosk || true
install -d -m 0750 -o lophoc-kiosk -g lophoc-kiosk /var/lib/lophoc-kiosk
install -d -m 0750 -o root -g lophoc-kiosk /etc/lophoc-kiosk
if [ ! -e /etc/lophoc-kiosk/kiosk.yaml ]; then
  install -m 0640 -o root -g lophoc-kiosk /opt/lophoc-kiosk/resources/deploy/kiosk.example.yaml /etc/lophoc-kiosk/kiosk.yaml
fi
install -m 0644 /opt/lophoc-kiosk/resources/deploy/lophoc-kiosk.service /lib/systemd/system/lophoc-kiosk.service
systemctl daemon-reload || true
echo "lophoc-kiosk: edit /etc/lophoc-kiosk/kiosk.yaml, then: systemctl enable --now lophoc-kiosk"
