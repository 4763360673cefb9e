#!/bin/bash
# Alternating one-fork rounds of a JMH benchmark over the values of one parameter, so that every
# value sees the same drift of a noisy machine. Prints one line per fork: round, JDK, value, score
# (mean ± error), then after a `|` the fork's measurement iterations, so that an iteration the
# machine stalled in can be told from a slow server (see benchmarks/README.md, Streams).
#
#   benchmarks/rounds.sh <benchmark regex> <parameter> "<value> <value>..." [rounds] ["<java> <java>..."]
#   benchmarks/rounds.sh StreamsEcho server "nio kaio kaioDirect" 8 "java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
#
# The order of the values rotates each round. Each fork runs under /tmp/kaio-mvn.lock (the build
# lock), so no build runs meanwhile. Uses benchmarks/target/benchmarks.jar (or $JAR).
set -euo pipefail
benchmark=$1 parameter=$2 values=($3) rounds=${4:-6} javas=${5:-java}
jar=${JAR:-$(dirname "$0")/target/benchmarks.jar}
for round in $(seq 1 "$rounds"); do
    for java in $javas; do
        shift_by=$((round % ${#values[@]}))
        order=("${values[@]:$shift_by}" "${values[@]:0:$shift_by}")
        for value in "${order[@]}"; do
            score=$(flock /tmp/kaio-mvn.lock "$java" -jar "$jar" "$benchmark" -p "$parameter=$value" \
                -f 1 -wi 3 -i 5 -w 1s -r 1s 2>&1 | awk '
                    /^Iteration +[0-9]+:/ { iterations = iterations " " $3 }
                    /^[A-Z].* thrpt / { score = $(NF-3) " " $(NF-2) " " $(NF-1) }
                    END { print score " |" iterations }')
            echo "$round $("$java" -version 2>&1 | awk -F'"' '/version/{print $2; exit}') $value $score"
        done
    done
done
