#!/bin/sh
# A Nagios-style plugin: disk usage of a mount point, with performance data.
# Usage: check_disk_usage.sh WARN% CRIT% [PATH]
# Exit codes follow the Monitoring Plugins guidelines: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
warn=${1:?usage: check_disk_usage.sh WARN CRIT [PATH]}
crit=${2:?usage: check_disk_usage.sh WARN CRIT [PATH]}
path=${3:-/}

used=$(df -P "$path" 2>/dev/null | awk 'NR == 2 { sub("%", "", $5); print $5 }')
if [ -z "$used" ]; then
  echo "DISK UNKNOWN - cannot read usage of $path"
  exit 3
fi

perfdata="'disk usage'=${used}%;${warn};${crit};0;100"
if [ "$used" -ge "$crit" ]; then
  echo "DISK CRITICAL - $path is ${used}% full | $perfdata"
  exit 2
elif [ "$used" -ge "$warn" ]; then
  echo "DISK WARNING - $path is ${used}% full | $perfdata"
  exit 1
fi
echo "DISK OK - $path is ${used}% full | $perfdata"
exit 0
