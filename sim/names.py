"""Chinese names the twin draws from: departments with their typical matters, people, regions."""

from __future__ import annotations

from typing import NamedTuple


class DepartmentSeed(NamedTuple):
    name: str
    abbr: str  # pinyin initials, used in codes
    weight: float  # share of the hall's traffic
    instant: tuple[str, ...]  # typical 即办件 matters
    promised: tuple[str, ...]  # typical 承诺件 matters


DEPARTMENTS: tuple[DepartmentSeed, ...] = (
    DepartmentSeed(
        "公安局",
        "GAJ",
        1.6,
        ("户口迁移", "居民身份证申领", "临时身份证办理", "出生登记", "户籍证明开具"),
        ("机动车登记", "出入境证件签发", "剧毒化学品购买许可", "保安服务许可"),
    ),
    DepartmentSeed(
        "市场监管局",
        "SCJGJ",
        1.5,
        ("个体工商户设立登记", "个体工商户注销登记", "营业执照变更", "企业名称自主申报"),
        ("食品经营许可", "药品零售企业许可", "特种设备使用登记", "企业设立登记"),
    ),
    DepartmentSeed(
        "人社局",
        "RSJ",
        1.3,
        ("社会保险参保登记", "社保卡申领", "失业登记", "就业创业证申领", "养老保险关系转移"),
        ("职业技能鉴定", "劳务派遣经营许可", "人力资源服务许可", "工伤认定"),
    ),
    DepartmentSeed(
        "税务局",
        "SWJ",
        1.3,
        ("发票领用", "税务登记", "个人所得税申报", "完税证明开具", "增值税申报"),
        ("税收优惠备案审核", "出口退税审批", "延期缴纳税款核准"),
    ),
    DepartmentSeed(
        "不动产登记中心",
        "BDCDJ",
        1.2,
        ("不动产登记资料查询", "不动产权证补换"),
        ("不动产首次登记", "不动产转移登记", "抵押权登记", "不动产变更登记"),
    ),
    DepartmentSeed(
        "医保局",
        "YBJ",
        1.0,
        ("医保参保登记", "异地就医备案", "医保关系转移", "门诊慢特病认定申请"),
        ("定点医药机构申请", "医疗费用手工报销"),
    ),
    DepartmentSeed(
        "公积金中心",
        "GJJZX",
        0.9,
        ("公积金缴存登记", "公积金提取", "缴存证明开具"),
        ("公积金贷款审批", "公积金贷款还款变更"),
    ),
    DepartmentSeed(
        "住建局",
        "ZJJ",
        0.8,
        ("商品房预售资金监管查询", "建筑业企业资质变更"),
        ("建筑工程施工许可", "建设工程竣工验收备案", "商品房预售许可", "燃气经营许可"),
    ),
    DepartmentSeed(
        "自然资源局",
        "ZRZYJ",
        0.7,
        ("测绘成果提供", "地质资料查询"),
        ("建设用地规划许可", "建设工程规划许可", "乡村建设规划许可", "采矿许可"),
    ),
    DepartmentSeed(
        "交通运输局",
        "JTYSJ",
        0.7,
        ("道路运输证换发", "从业资格证补发"),
        ("道路货物运输经营许可", "出租汽车经营许可", "公路超限运输许可", "涉路施工许可"),
    ),
    DepartmentSeed(
        "卫健局",
        "WJJ",
        0.6,
        ("出生医学证明补发", "生育登记"),
        ("公共场所卫生许可", "医疗机构执业登记", "母婴保健技术服务许可", "放射诊疗许可"),
    ),
    DepartmentSeed(
        "民政局",
        "MZJ",
        0.6,
        ("婚姻登记", "最低生活保障申请受理", "残疾人两项补贴申请"),
        ("社会团体成立登记", "民办非企业单位登记", "养老机构备案"),
    ),
    DepartmentSeed(
        "发改局",
        "FGJ",
        0.4,
        ("企业投资项目备案",),
        ("企业投资项目核准", "固定资产投资项目节能审查", "价格认定"),
    ),
    DepartmentSeed(
        "生态环境局",
        "STHJJ",
        0.4,
        ("排污登记",),
        ("建设项目环境影响评价审批", "排污许可", "危险废物经营许可"),
    ),
    DepartmentSeed(
        "教育局",
        "JYJ",
        0.4,
        ("教师资格认定申请受理", "学籍证明开具"),
        ("民办学校设立审批", "校外培训机构审批"),
    ),
    DepartmentSeed(
        "文旅局",
        "WLJ",
        0.3,
        ("营业性演出备案",),
        ("娱乐场所经营许可", "网吧经营许可", "旅行社设立许可"),
    ),
    DepartmentSeed(
        "农业农村局",
        "NYNCJ",
        0.3,
        ("农药经营备案",),
        ("农药经营许可", "兽药经营许可", "动物防疫条件合格证"),
    ),
    DepartmentSeed(
        "水利局",
        "SLJ",
        0.3,
        ("取水计量设施查询",),
        ("取水许可", "水土保持方案审批", "河道管理范围内建设项目审批"),
    ),
    DepartmentSeed(
        "应急管理局",
        "YJGLJ",
        0.3,
        ("安全培训证明开具",),
        ("危险化学品经营许可", "烟花爆竹经营许可"),
    ),
    DepartmentSeed(
        "残联",
        "CL",
        0.2,
        ("残疾人证办理", "残疾人证换领"),
        ("残疾人就业保障金减免审核",),
    ),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国红梅玲晓东海燕辉鹏飞宇浩然欣怡子涵雪梅文博思远佳琪雨萱志强国庆春花丽娜晨阳婷婷俊杰晓峰"  # noqa: E501

COMPANIES = (
    "建筑工程有限公司",
    "商贸有限公司",
    "餐饮管理有限公司",
    "能源科技有限公司",
    "物流有限公司",
    "农业专业合作社",
    "房地产开发有限公司",
    "医药连锁有限公司",
)

COMPLAINT_CATEGORIES = (
    "服务态度",
    "办事效率",
    "推诿扯皮",
    "多次跑腿",
    "乱收费",
    "窗口空岗",
    "吃拿卡要",
    "排队时间长",
)

SUPPLEMENT_MATERIALS = (
    "身份证复印件",
    "营业执照副本",
    "申请表(签字盖章)",
    "授权委托书",
    "房产证明",
    "场地使用证明",
    "验收报告",
    "法定代表人身份证明",
)


class RegionSeed(NamedTuple):
    code: str
    name: str


PROVINCE = RegionSeed("610000", "陕西省")
CITY = RegionSeed("610800", "榆林市")
COUNTIES: tuple[RegionSeed, ...] = (
    RegionSeed("610802", "榆阳区"),
    RegionSeed("610803", "横山区"),
    RegionSeed("610881", "神木市"),
    RegionSeed("610822", "府谷县"),
    RegionSeed("610824", "靖边县"),
    RegionSeed("610825", "定边县"),
    RegionSeed("610826", "绥德县"),
    RegionSeed("610827", "米脂县"),
)
REGION_NAMES = {r.code: r.name for r in (PROVINCE, CITY, *COUNTIES)}
