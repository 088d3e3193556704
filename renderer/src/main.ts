import './zodConfig'
import 'element-plus/dist/index.css'
import './styles/app.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import ReplicaDeskApp from './ReplicaDeskApp.vue'
import { createBridge } from './bridge'
import { provideBridge } from './stores/bridge'

provideBridge(createBridge())
createApp(ReplicaDeskApp).use(createPinia()).mount('#app')
