#!/usr/bin/env bash
# Posts the offline report on a pull request, one comment per pull request: the comment this
# script posted before (the bot's, carrying the marker below) is updated in place, else a new
# one is posted. Used by both workflows that comment (pull-request.yml for branches of this
# repository, offline-report-comment.yml for forks).
#
#   post-pr-comment.sh <comment file>
#
# Environment: REPOSITORY (owner/name), NUMBER (the pull request), GH_TOKEN (for gh).
# Needs gh and jq, as on GitHub's runners. Writes comment.json in the current folder.
set -euo pipefail

comment_file="$1"
marker='<!-- windows-server-backup:offline-report -->'
# The marker of the sticky-comment action that posted the comment before this script did.
old_marker='<!-- Sticky Pull Request Commentoffline-report -->'

# Every page of the comments; the bot's that carry a marker, oldest first.
ids="$(gh api --paginate "repos/$REPOSITORY/issues/$NUMBER/comments" | jq -r --arg marker "$marker" \
  --arg old_marker "$old_marker" \
  '.[] | select(.user.login == "github-actions[bot]")
    | select((.body | contains($marker)) or (.body | contains($old_marker)))
    | .id')"
{ echo "$marker"; cat "$comment_file"; } | jq -Rs '{body: .}' > comment.json
# The first (oldest) one, however many there are.
id="${ids%%$'\n'*}"
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$REPOSITORY/issues/comments/$id" --input comment.json > /dev/null
else
  gh api --method POST "repos/$REPOSITORY/issues/$NUMBER/comments" --input comment.json > /dev/null
fi
