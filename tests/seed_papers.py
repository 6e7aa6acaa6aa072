"""The 41 papers of the three seed digests in content/ (abstracts shortened), for tests."""

from __future__ import annotations

# (digest, title_en, title_zh, arxiv_id, section, abstract)
SEED_PAPERS: list[tuple[str, str, str | None, str | None, str | None, str]] = [
    (
        "2024-02-26",
        "MobileLLM: Optimizing Sub-billion Parameter Language Models for On-Device Use Cases",
        "MobileLLM: 针对移动设备使用场景优化的亚十亿参数语言模型",
        None,
        None,
        (
            "本文针对在移动设备上部署高效的大型语言模型(LLMs)的迫切需求进行研究,这一需求源于云计算"
            "成本的上升和延迟问题的日益突出。我们致力于设计参数量少于十亿的高质量LLMs,这是针对移动"
            "部署的一种实际选择。"
        ),
    ),
    (
        "2024-02-26",
        "Genie: Generative Interactive Environments",
        "Genie: 生成式互动环境",
        None,
        None,
        (
            "我们介绍Genie,这是首个从未标注的互联网视频中通过无监督学习训练的生成式互动环境。该模型"
            "能够根据提示生成一系列通过文本、合成图像、照片甚至草图描述的、可控动作的虚拟世界。作为"
            "一个拥有11B参数的基础世界模型,Genie包括一个时空视频Tokenizer、一个自回归动态模型和一个"
            "简单可扩展的潜在动作模型。尽管在训练过程中没有使用任何真实动作标签或世界模型文献中通常"
            "要求的其他领域特定信息,Genie使用户能够在生成的环境中逐帧地进行操作。"
        ),
    ),
    (
        "2024-02-26",
        "ChatMusician: Understanding and Generating Music Intrinsically with LLM",
        "ChatMusician: 利用LLM本质上理解和创作音乐",
        None,
        None,
        (
            "尽管大型语言模型(LLMs)在文本生成领域取得了令人印象深刻的成就,我们发现其在音乐——人类的"
            "创造性语言方面的应用仍有待拓展。介绍ChatMusician,一款整合了内在音乐理解和创作能力的开"
            "源LLM。"
        ),
    ),
    (
        "2024-02-26",
        "Nemotron-4 15B Technical Report",
        "Nemotron-4 15B技术报告",
        None,
        None,
        (
            "我们推出了Nemotron-4 15B,这是一个由8万亿文本tokens训练出的150亿参数的大型多语言语言模"
            "型。Nemotron-4 15B在英语、多语言和编程任务上展现出强大的性能,它在七个下游评估领域中的"
            "四个上超越了所有现有同等规模的开放模型,并在剩余领域与领先的开放模型展现出竞争性能。"
        ),
    ),
    (
        "2024-02-26",
        "FuseChat: Knowledge Fusion of Chat Models",
        "FuseChat: 聊天模型的知识融合",
        None,
        None,
        (
            "尽管从零开始训练大型语言模型(LLMs)能够培养出具有独特能力和强项的模型,但这种方法成本高"
            "昂,且可能导致能力重复。一个替代方案是将现有LLMs结合起来,形成一个更强大的LLM,以此减少昂"
            "贵的预训练需求。"
        ),
    ),
    (
        "2024-02-26",
        "Multi-LoRA Composition for Image Generation",
        "Multi-LoRA组合用于图像生成",
        None,
        None,
        (
            "LoRA 在文本到图像模型中得到了广泛应用,以精确渲染生成图像中的特定元素,如不同角色或独特"
            "风格。然而,现有方法在有效整合多个LoRA时遇到了挑战,尤其是随着需要整合的LoRA数量增加,这"
            "限制了复杂图像创作的能力。"
        ),
    ),
    (
        "2024-02-26",
        "MegaScale: Scaling Large Language Model Training to More Than 10,000 GPUs",
        "MegaScale: 将大型语言模型训练扩展到超过10,000个GPU",
        None,
        None,
        (
            "我们展示了MegaScale的设计、实施及其在超过10,000个GPU规模训练大型语言模型(LLMs)的工程经"
            "验。在此规模训练LLMs带来了前所未有的效率和稳定性挑战。"
        ),
    ),
    (
        "2024-02-26",
        "StructLM: Towards Building Generalist Models for Structured Knowledge Grounding",
        "StructLM: 向构建结构化知识基础的通用模型迈进",
        None,
        None,
        (
            "表格、图形和数据库等结构化数据源是普遍存在的知识来源。尽管大型语言模型(LLMs)在处理纯文"
            "本上表现出色,但它们在解读和利用结构化数据方面的能力还是有限的。"
        ),
    ),
    (
        "2024-02-26",
        "MobiLlama: Towards Accurate and Lightweight Fully Transparent GPT",
        "MobiLlama: 向准确且轻量级的全透明GPT迈进",
        None,
        None,
        (
            "“越大越好”已成为近期大型语言模型(LLMs)发展的主流趋势。然而,LLMs并不适合需要在设备上处"
            "理、能效、低内存占用及快速响应的场景。"
        ),
    ),
    (
        "2024-02-26",
        "The Era of 1-bit LLMs: All Large Language Models are in 1.58 Bits",
        "1-bit 大语言模型的时代:所有大型语言模型均转向 1.58 位",
        None,
        None,
        (
            "近期研究如 BitNet,为 1 位大语言模型 (LLMs) 的新纪元铺平了道路。本研究介绍了一种新型 1 "
            "位 LLM——BitNet b1.58,其每个参数均为三态(-1, 0, 1)。"
        ),
    ),
    (
        "2024-02-26",
        (
            "EMO: Emote Portrait Alive – Generating Expressive Portrait Videos with Audio2Video Dif"
            "fusion Model under Weak Conditions"
        ),
        "EMO: 通过弱条件下的音频到视频扩散模型,让情感肖像栩栩如生",
        None,
        None,
        (
            "本研究旨在通过关注音频线索与面部动作之间的动态微妙关系,提高仿真头像视频生成的真实感和"
            "表现力。我们发现,传统方法往往无法捕捉人类表情的全谱和面部风格的独特性。"
        ),
    ),
    (
        "2024-02-26",
        (
            "Sora: A Review on Background, Technology, Limitations, and Opportunities of Large Visi"
            "on Models"
        ),
        "Sora: 大视觉模型的背景、技术、挑战与机遇综述",
        None,
        None,
        (
            "Sora 是 OpenAI 在 2024 年 2 月发布的一款文本到视频生成 AI 模型,旨在根据文本指令生成真"
            "实或虚构场景的视频,并展现模拟物理世界的潜力。本文基于公开技术报告和逆向工程,全面审视了"
            " Sora 的发展背景、相关技术、应用领域、当前挑战以及文本到视频 AI 模型的未来发展方向。我"
            "们还分析了广泛部署 Sora 需要解决的主要挑战,如确保视频生成的安全性和无偏见性。最后,探讨"
            "了 Sora 及视频生成模型的未来,以及该领域进步如何开启人工智能与人类互动的新方式,提升视频"
            "创作的效率和创造性。"
        ),
    ),
    (
        "2024-02-26",
        "StarCoder 2 and The Stack v2: The Next Generation",
        "StarCoder 2 与 The Stack v2:下一代编程语言模型",
        None,
        None,
        (
            "BigCode 项目是一个致力于负责任发展代码大语言模型(Code LLMs)的开放科学合作项目,推出了 S"
            "tarCoder2。通过与软件遗产(SWH)的合作,我们在其源代码档案的数字公共资源基础上建立了 The "
            "Stack v2。"
        ),
    ),
    (
        "2024-02-26",
        (
            "Griffin: Mixing Gated Linear Recurrences with Local Attention for Efficient Language M"
            "odels"
        ),
        "Griffin: 结合门控线性递归与局部注意力,提升语言模型的效率",
        None,
        None,
        (
            "循环神经网络(RNNs)虽然在处理长序列时推理快速、扩展高效,但训练难度大、扩展性差。我们提"
            "出了 Hawk,一种采用门控线性递归的 RNN,以及 Griffin,一种混合模型,融合了门控线性递归和局"
            "部注意力机制。"
        ),
    ),
    (
        "2024-02-26",
        "Beyond Language Models: Byte Models are Digital World Simulators",
        "超越语言模型:字节模型作为数字世界的模拟器",
        None,
        None,
        (
            "传统深度学习常忽略字节——数字世界的基本单元,所有形式的信息和操作均通过二进制格式编码和"
            "处理。受到自然语言处理中下一 Token 预测成功的启发,我们推出了 bGPT,这是一个通过下一字节"
            "预测来模拟数字世界的模型。"
        ),
    ),
    (
        "2024-04-15",
        "Pre-training Small Base LMs with Fewer Tokens",
        None,
        None,
        None,
        (
            "我们研究了一种简单方法来开发一个小型基础语言模型 (LM),从一个现有的大型基础 LM 开始:首"
            "先从较大的 LM 继承一些 Transformer 块,然后在这个较小的模型上使用一个非常小的子集 (0.1%"
            ") 进行训练,这个子集来自较大模型的原始预训练数据。我们将我们的简单配方称为 Inheritune,"
            "并首次展示了如何使用 1B token (以及较大 LM 的前几层,拥有 3B 参数) 构建一个具有 1.5B 参"
            "数的小型基础 LM;我们使用单个 A6000 GPU 在不到半天的时间内完成了这一工作。"
        ),
    ),
    (
        "2024-04-15",
        "COCONut: Modernizing COCO Segmentation",
        None,
        None,
        None,
        (
            "在近几十年中,视觉社区见证了视觉识别方面的显著进展,部分归功于数据集基准的进步。值得注意"
            "的是,已建立的 COCO 基准推动了现代检测和分割系统的发展。"
        ),
    ),
    (
        "2024-04-15",
        (
            "Scaling (Down) CLIP: A Comprehensive Analysis of Data, Architecture, and Training Stra"
            "tegies"
        ),
        "缩小 (Down) CLIP:对数据、架构和训练策略的综合分析",
        None,
        None,
        (
            "本文研究了对比语言图像预训练 (CLIP) 在缩小到有限的计算预算时的性能。我们沿三个维度探索"
            " CLIP:数据、架构和训练策略。"
        ),
    ),
    (
        "2024-04-15",
        "Learn Your Reference Model for Real Good Alignment",
        None,
        None,
        None,
        "对齐问题的复杂性主要源于现有方法的不稳定性。研究人员不断创新各种技巧来克服这一缺陷。",
    ),
    (
        "2024-04-15",
        "Megalodon: Efficient LLM Pretraining and Inference with Unlimited Context Length",
        "Megalodon:支持无限上下文长度的高效大语言模型预训练及推断",
        None,
        None,
        (
            "尽管存在如线性注意力和状态空间模型等亚二次解决方案,但 Transformer 的二次复杂度和对长序"
            "列的弱延伸能力仍然限制了其应用。我们推出了大白鲨 (Megalodon),一种能够高效处理具有无限"
            "上下文长度序列的新型神经架构。"
        ),
    ),
    (
        "2024-04-15",
        "TransformerFAM: Feedback attention is working memory",
        None,
        None,
        None,
        (
            "尽管 Transformer 已经彻底改变了深度学习领域,但其处理无限长输入的能力因二次复杂度的注意"
            "力机制而受限。我们提出了反馈注意力记忆 (Feedback Attention Memory, FAM),一种新型的 Tra"
            "nsformer 架构,通过反馈循环使网络能够关注自身的潜在表征。"
        ),
    ),
    (
        "2024-04-15",
        (
            "Video2Game: Real-time, Interactive, Realistic and Browser-Compatible Environment from "
            "a Single Video"
        ),
        "Video2Game:从单个视频创建实时、交互式、逼真且兼容浏览器的环境",
        None,
        None,
        (
            "传统上,打造高质量的游戏和模拟环境需经历复杂且成本高昂的手动建模过程。本文介绍了 Video2"
            "Game,一种新颖的方法,能自动将现实世界的视频转化为逼真和互动的游戏环境。"
        ),
    ),
    (
        "2024-04-15",
        "Dynamic Typography: Bringing Words to Life",
        None,
        None,
        None,
        (
            "文本动画作为一种表现手法,将静态文本转换为动态体验,通过为文字注入动态来唤起情感、强调含"
            "义并构建吸引人的故事。制作富有语义的动画面临巨大挑战,需要图形设计和动画的专业知识。"
        ),
    ),
    (
        "2024-04-15",
        "Toward Self-Improvement of LLMs via Imagination, Searching, and Criticizing",
        None,
        None,
        None,
        (
            "尽管大语言模型 (Large Language Models, LLMs) 在多种任务上表现卓越,它们在处理复杂推理和"
            "规划任务时仍面临挑战。最新研究提出通过高级提示技巧和高质量数据微调来增强 LLM 的推理能"
            "力。"
        ),
    ),
    (
        "2024-05-20",
        "Towards Modular LLMs by Building and Reusing a Library of LoRAs",
        None,
        "2405.11157",
        "LLM发展与基准",
        (
            "基本大型语言模型(LLM)的参数越来越对,这就要求我们研究出更高效的微调适配器来提高新任务的"
            "性能。论文研究了如何在给定多任务数据的情况下最好地构建适配器库,并设计了在该库中通过路"
            "由实现零样本和监督任务泛化的技术。"
        ),
    ),
    (
        "2024-05-20",
        "Grounded 3D-LLM with Referent Tokens",
        None,
        "2405.10370",
        "LLM发展与基准",
        (
            "先前对3D场景理解的研究主要是针对特定任务开发专门的模型,或者需要针对特定任务进行微调。"
            "这篇论文提出了Grounded 3D-LLM,它探索了大型3D多模态模型(3D lmm)在统一生成框架内整合各种"
            "3D视觉任务的潜力。"
        ),
    ),
    (
        "2024-05-20",
        "Not All Language Model Features Are Linear",
        None,
        "2405.14860",
        "LLM发展与基准",
        (
            "最近的研究提出了线性表征假设:语言模型通过操纵激活空间中的一维概念表征(“特征”)来进行计"
            "算。相比之下,这篇论文则探索一些语言模型表征可能本质上是多维的。"
        ),
    ),
    (
        "2024-05-20",
        "INDUS: Effective and Efficient Language Models for Scientific Applications",
        None,
        "2405.10725",
        "LLM发展与基准",
        (
            "大型语言模型(LLMs)在一般领域的语料库上训练已在自然语言处理(NLP)任务上显示出卓越的成果"
            "。然而,以往的研究表明,使用领域专注的语料库训练的LLMs在专业任务上表现更佳。"
        ),
    ),
    (
        "2024-05-20",
        "Imp: Highly Capable Large Multimodal Models for Mobile Devices",
        None,
        "2405.12107",
        "LLM发展与基准",
        (
            "通过利用大型语言模型(LLMs)的能力,最近的大型多模态模型(LMMs)在开放世界的多模态理解方面"
            "显示出了显著的多功能性。但是它们通常参数量大且计算密集,因此限制了在资源受限场景下的应"
            "用性。通过低位量化和分辨率降低技术,Imp模型可以在高达约13 tokens/s的推理速度下部署在高"
            "通骁龙8Gen3移动芯片上。"
        ),
    ),
    (
        "2024-05-20",
        "DeepSeek-Prover: Advancing Theorem Proving in LLMs through Large-Scale Synthetic Data",
        None,
        "2405.14333",
        "LLM发展与基准",
        (
            "Lean 彻底改变了数学证明验证的方式,确保了高精度和可靠性。尽管大型语言模型(LLMs)在数学推"
            "理方面表现出前景,但它们在形式定理证明的进步受到训练数据不足的阻碍。"
        ),
    ),
    (
        "2024-05-20",
        "Dynamic data sampler for cross-language transfer learning in large language models",
        None,
        "2405.10626",
        "LLM发展与基准",
        (
            "大型语言模型(LLMs)因其在自然语言处理(NLP)领域的广泛应用而受到显著关注。为非英语语言训"
            "练LLMs面临重大挑战,这主要是因为获取大规模语料库和所需计算资源的难度。"
        ),
    ),
    (
        "2024-05-20",
        "Dense Connector for MLLMs",
        None,
        "2405.13800",
        "LLM发展与基准",
        (
            "多模态大型语言模型(MLLMs)是否充分利用了视觉编码器的潜力?近期MLLMs在多模态理解方面的卓"
            "越表现已经引起了学术界和工业界的广泛关注。在当前的MLLM竞赛中,焦点似乎主要集中在语言方"
            "面。"
        ),
    ),
    (
        "2024-05-20",
        "MoRA: High-Rank Updating for Parameter-Efficient Fine-Tuning",
        None,
        "2405.12130",
        "LLM训练、评估与推理",
        (
            "低秩适应是一种流行的、用于大型语言模型的高效微调方法。论文分析了在LoRA中实现的低秩更新"
            "的影响。"
        ),
    ),
    (
        "2024-05-20",
        "OpenRLHF: An Easy-to-use, Scalable and High-performance RLHF Framework",
        None,
        "2405.11143",
        "LLM训练、评估与推理",
        (
            "随着大型语言模型(LLMs)通过规模法则持续增长,基于人类反馈的强化学习(RLHF)因其卓越的表现"
            "而受到重视。与预训练或微调单一模型不同,为大型语言模型训练的基于人类反馈的强化学习(RLHF"
            ")面临在四个模型间协调的挑战。"
        ),
    ),
    (
        "2024-05-20",
        "Layer-Condensed KV Cache for Efficient Inference of Large Language Models",
        None,
        "2405.10637",
        "LLM训练、评估与推理",
        (
            "巨大的内存消耗一直是在实际应用中部署高吞吐量大型语言模型的主要瓶颈。除了大量参数外,Tra"
            "nsformer架构中用于注意力机制的键值(KV)缓存也消耗了大量内存,尤其是当深度语言模型的层数"
            "较多时。论文提出了一种新方法,该方法只计算并缓存少数几层的KV,从而显著节省内存消耗并提高"
            "推理吞吐量。"
        ),
    ),
    (
        "2024-05-20",
        "Observational Scaling Laws and the Predictability of Language Model Performance",
        None,
        "2405.10938",
        "LLM训练、评估与推理",
        (
            "理解语言模型性能如何随规模变化对于基准测试和算法开发至关重要。尽管建立这种理解的一种方"
            "法是使用规模法则,但在许多不同规模上训练模型的要求限制了它们的使用。"
        ),
    ),
    (
        "2024-05-20",
        "AlignGPT: Multi-modal Large Language Models with Adaptive Alignment Capability",
        None,
        "2405.14129",
        "LLM量化与校准",
        (
            "多模态大型语言模型(MLLMs)广泛被认为是探索人工通用智能(AGI)的关键。MLLMs的核心在于它们"
            "实现跨模态对齐的能力。"
        ),
    ),
    (
        "2024-05-20",
        "Distributed Speculative Inference of Large Language Models",
        None,
        "2405.14105",
        "LLM量化与校准",
        (
            "加速大型语言模型(LLMs)的推理是人工智能中的一个重要挑战。论文介绍了一种新的分布式推理算"
            "法——分布式投机推理(DSI),该算法被证明比投机推理(SI)和传统的自回归推理(非SI)更快。"
        ),
    ),
    (
        "2024-05-20",
        "Reducing Transformer Key-Value Cache Size with Cross-Layer Attention",
        None,
        "2405.12981",
        "Transformer和注意力模型",
        (
            "键值(KV)缓存在加速基于Transformer的自回归大型语言模型(LLMs)的解码过程中扮演着至关重要"
            "的角色。然而长序列长度和大批量大小所需存储KV缓存的内存量可能变得过大。自Transformer发"
            "明以来,减小KV缓存大小的两种最有效的干预措施是多查询注意力(Multi-Query Attention,MQA)及"
            "其泛化形式,分组查询注意力(Grouped-Query Attention,GQA)。通过CLA可以再将KV缓存的大小减"
            "少2倍,同时几乎保持与未修改的MQA相同的准确度。"
        ),
    ),
    (
        "2024-05-20",
        "Your Transformer is Secretly Linear",
        None,
        "2405.12250",
        "Transformer和注意力模型",
        (
            "本文揭示了包括GPT、LLaMA、OPT、BLOOM等在内的Transformer解码器独有的一种新颖线性特性。"
            "分析了序列层之间的嵌入变换,发现存在几乎完美的线性关系(普罗克鲁斯特相似性得分为0.99)。"
        ),
    ),
    (
        "2024-05-20",
        (
            "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive Re-param"
            "eterized Batch Normalization"
        ),
        None,
        "2405.11582",
        "Transformer和注意力模型",
        (
            "Transformer已成为自然语言和计算机视觉任务的基础架构。然而高计算成本使其难以部署在资源"
            "受限的设备上。"
        ),
    ),
]
