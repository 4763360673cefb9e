"""The book's listing 6.8 (chapter 6), for comparison with `kaio-samples ngram count`.

Reads the whole file, cuts it into 60,000-line partitions, counts each partition's words in a
ProcessPoolExecutor (one process per core), and merges the counters with functools.reduce, as
the book does. Usage: python3 book_mapreduce.py FILE [PROCESSES]
"""
import asyncio
import concurrent.futures
import functools
import os
import sys
import time
from typing import Dict, List


def partition(data: List, chunk_size: int):
    for i in range(0, len(data), chunk_size):
        yield data[i:i + chunk_size]


def map_frequencies(chunk: List[str]) -> Dict[str, int]:
    counter = {}
    for line in chunk:
        word, _, count, _ = line.split('\t')
        if counter.get(word):
            counter[word] = counter[word] + int(count)
        else:
            counter[word] = int(count)
    return counter


def merge_dictionaries(first: Dict[str, int], second: Dict[str, int]) -> Dict[str, int]:
    merged = first
    for key in second:
        if key in merged:
            merged[key] = merged[key] + second[key]
        else:
            merged[key] = second[key]
    return merged


async def main(path: str, processes: int, partition_size: int = 60000):
    with open(path, encoding='utf-8') as f:
        contents = f.readlines()
        loop = asyncio.get_running_loop()
        tasks = []
        start = time.time()
        with concurrent.futures.ProcessPoolExecutor(max_workers=processes) as pool:
            for chunk in partition(contents, partition_size):
                tasks.append(loop.run_in_executor(pool, functools.partial(map_frequencies, chunk)))
            intermediate_results = await asyncio.gather(*tasks)
            final_result = functools.reduce(merge_dictionaries, intermediate_results)
            top = sorted(final_result.items(), key=lambda item: -item[1])[:3]
            print(top)
        end = time.time()
        print(f'MapReduce took: {(end - start):.4f} seconds for {len(contents)} lines: '
              f'{len(contents) / (end - start) / 1e6:.2f} M lines/s on {processes} processes', file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()))
