// ECharts, tree-shaken to what the lag chart draws: lines on time axes, a scrolling legend,
// canvas tooltips, a dataset, the canvas renderer. Registered once, on first import.
import { LineChart } from 'echarts/charts'
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, GridComponent, LegendComponent, TooltipComponent, DatasetComponent, CanvasRenderer])

export { init }
export type { EChartsType } from 'echarts/core'
