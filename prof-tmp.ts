import { diagnose } from './src/core/index.ts'
import { hostileExchange, rng } from './test/core/hostile.ts'

const xs = Array.from({ length: 1500 }, (_, i) => hostileExchange(rng(i)))
for (let k = 0; k < 2; k++) for (const x of xs) diagnose(x)
