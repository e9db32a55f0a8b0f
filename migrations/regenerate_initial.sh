#!/usr/bin/env bash
# Until the first release, each branch has one initial revision; this rewrites them from the models.
# After a release, add new revisions instead (see README "Migrations").
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
export SAMAKI_INSTANCE_PATH=$(mktemp -d) SAMAKI_SECRET_KEY=regenerate
rm -f migrations/versions/*_core_0001_*.py plugins/*/migrations/*_0001_*.py
SAMAKI_MIGRATION_TABLES=core_ flask --app wsgi db revision --autogenerate --branch-label core --rev-id core_0001 --version-path migrations/versions -m "core tables"
for plugin_dir in plugins/*/migrations; do
  plugin=$(basename "$(dirname "$plugin_dir")")
  prefix=$(cat "$plugin_dir/TABLE_PREFIX")
  rm -f "$plugin_dir"/*_0001_*.py
  flask --app wsgi db upgrade heads
  SAMAKI_MIGRATION_TABLES=$prefix flask --app wsgi db revision --autogenerate --head base --branch-label "$plugin" \
    --rev-id "${plugin}_0001" --version-path "$plugin_dir" -m "$plugin tables"
  # A plugin's tables point at core tables: its branch starts after the core's.
  sed -i "s/^depends_on = None/depends_on = 'core_0001'/" "$plugin_dir"/*_0001_*.py
done
