#!/usr/bin/env bash
# Packs every NuGet package of a release into OUT (default .nupkgs): the library KeypointML, one package per shipped
# model (KeypointML.Models.NAME), the bundle KeypointML.Models, the inference tool KeypointML.Tool (a pointer package
# and one package per runtime) and the training tool KeypointML.Training.Tool (linux-x64, with libtorch).
# Usage: scripts/pack.sh [OUT] [RUNTIMES]   RUNTIMES: the inference tool's, ';'-separated (default below).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.nupkgs}"
runtimes="${2:-linux-x64;linux-arm64;win-x64;osx-arm64}"
dotnet pack KeypointML/KeypointML.csproj -c Release -o "$out"
for project in KeypointML.Models/packages/*/KeypointML.Models.*.csproj; do
  dotnet pack "$project" -c Release -o "$out"
done
dotnet pack KeypointML.Models/KeypointML.Models.csproj -c Release -o "$out"
# The quotes keep the runtime list one property value (MSBuild would split it at ';').
dotnet pack KeypointML.Cli/KeypointML.Cli.csproj -c Release -o "$out" "-p:KeypointMLToolRuntimes=\"$runtimes\""
dotnet pack KeypointML.Training/KeypointML.Training.csproj -c Release -o "$out"
ls -l "$out"/*.nupkg | awk '{printf "%8.1f MiB  %s\n", $5 / 1048576, $9}'
